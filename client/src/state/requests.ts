import { createStore, produce, reconcile } from 'solid-js/store';
import type { AgentRequest } from '../../../shared/requests.js';

/** The agent's pending requests by task: loaded with the board, then kept by `request.*` events. */
const [requests, setRequests] = createStore<Record<string, AgentRequest[]>>({});

export { requests };

export function replaceRequests(list: AgentRequest[]): void {
  const byTask: Record<string, AgentRequest[]> = {};
  for (const r of list) byTask[r.taskId] = [...(byTask[r.taskId] ?? []), r];
  setRequests(reconcile(byTask));
}

export function setTaskRequests(taskId: string, list: AgentRequest[]): void {
  setRequests(taskId, reconcile(list));
}

export function addRequest(request: AgentRequest): void {
  setRequests(request.taskId, (list) => [...(list ?? []).filter((r) => r.id !== request.id), request]);
}

export function removeRequest(taskId: string, id: string): void {
  setRequests(
    produce((all) => {
      const rest = (all[taskId] ?? []).filter((r) => r.id !== id);
      if (rest.length > 0) all[taskId] = rest;
      else delete all[taskId];
    }),
  );
}

import { batch } from 'solid-js';
import type { StudioEvent } from '../../../shared/events.js';
import type { Task } from '../../../shared/task.js';
import type { DevServerState } from '../../../shared/task-env.js';
import { applyEvent, watchApplied } from './apply-event.js';
import { upsertTask } from './board.js';
import { setDevServer } from './dev-servers.js';

/**
 * Asks the server for something the events also keep current (the project info, a task's plan),
 * and lays the answer under the events applied while the request was out. The server computed
 * the answer at some moment after the request left; an event applied meanwhile may be newer than
 * that moment, and laying the answer over it would undo it (a file problem wiped by an older
 * project info, a plan put back by an older tasks.get, a card moved back by the answer of the
 * action that started its run). So the answer goes down first and the events it `covers` that
 * came meanwhile are applied again, in order: each of them sets a state (a problem by its path, a
 * plan, a task), so one the answer already includes changes nothing. An undefined answer (the
 * request failed) lays nothing.
 */
export async function answerUnderEvents<T>(
  ask: () => Promise<T | undefined>,
  lay: (answer: T) => void,
  covers: (event: StudioEvent, answer: T) => boolean,
): Promise<T | undefined> {
  const meanwhile: StudioEvent[] = [];
  const stop = watchApplied((event) => meanwhile.push(event));
  let answer: T | undefined;
  try {
    answer = await ask();
  } finally {
    stop();
  }
  if (answer === undefined) return undefined;
  const laid = answer;
  batch(() => {
    lay(laid);
    for (const event of meanwhile) if (covers(event, laid)) applyEvent(event);
  });
  return answer;
}

function touches(event: StudioEvent, id: string): boolean {
  if (event.type === 'task.created' || event.type === 'task.updated') return event.task.id === id;
  return event.type === 'task.deleted' && event.taskId === id;
}

/**
 * The task a mutation answers with (an action, a move, an edit), laid under the events for it that
 * came while the mutation was out: its own write is one of them, and a run it started may have
 * moved the card on before the answer arrived.
 */
export function answerTask(ask: () => Promise<Task | undefined>): Promise<Task | undefined> {
  return answerUnderEvents(ask, upsertTask, (event, task) => touches(event, task.id));
}

/**
 * A task's dev server as an answer gives it (devServer.get, run, stop), laid under the events for
 * it that came while it was out: a `run` answered after the server was already listening, or a
 * `get` asked before a run and answered after it, does not put the panel back. Each answer is
 * current with one event (`event`); the ones after it add their state and output.
 */
export function answerDevServer(ask: () => Promise<DevServerState | undefined>): Promise<DevServerState | undefined> {
  return answerUnderEvents(
    ask,
    setDevServer,
    (event, state) => event.type === 'devserver.updated' && event.server.taskId === state.taskId,
  );
}

import { batch } from 'solid-js';
import type { StudioEvent } from '../../../shared/events.js';
import { applyEvent, watchApplied } from './apply-event.js';

/**
 * Asks the server for something the events also keep current (the project info, a task's plan),
 * and lays the answer under the events applied while the request was out. The server computed
 * the answer at some moment after the request left; an event applied meanwhile may be newer than
 * that moment, and laying the answer over it would undo it (a file problem wiped by an older
 * project info, a plan put back by an older tasks.get). So the answer goes down first and the
 * events of the kinds it `covers` that came meanwhile are applied again, in order: each of them
 * sets a state (a problem by its path, a plan, a request by its id), so one the answer already
 * includes changes nothing. An undefined answer (the request failed) lays nothing.
 */
export async function answerUnderEvents<T>(
  ask: () => Promise<T | undefined>,
  lay: (answer: T) => void,
  covers: (event: StudioEvent) => boolean,
): Promise<T | undefined> {
  const meanwhile: StudioEvent[] = [];
  const stop = watchApplied((event) => {
    if (covers(event)) meanwhile.push(event);
  });
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
    for (const event of meanwhile) applyEvent(event);
  });
  return answer;
}

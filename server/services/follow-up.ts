import type { z } from 'zod';
import type { CreateTaskInput } from '../../shared/api.js';
import type { Principal } from '../lib/principal.js';

/**
 * A task an agent session creates is a follow-up of its own task, whatever it asked for: its
 * parent is that task, it lands in Todo (as every new task) and never starts by itself.
 */
export function asFollowUp(principal: Principal | null, input: z.infer<typeof CreateTaskInput>): z.infer<typeof CreateTaskInput> {
  if (principal?.kind !== 'agent') return input;
  const { autoStart: _never, ...rest } = input;
  return { ...rest, parent: principal.taskId };
}

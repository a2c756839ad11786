import { z } from 'zod';
import { Ok } from '../../shared/api.js';
import {
  AgentRequest,
  AnswerRequestInput,
  DismissRequestInput,
  ListRequestsInput,
  ReplyRequestInput,
} from '../../shared/requests.js';
import { procedure, router } from '../trpc.js';
import { rest } from './meta.js';

const meta = (method: 'GET' | 'POST', path: `/${string}`, summary: string) =>
  rest(method, path, summary, 'requests', method === 'GET' ? { access: 'read' } : {});

/** The agent's permission requests and questions, and a person's answers to them. */
export const requestsRouter = router({
  list: procedure
    .meta(meta('GET', '/requests', 'Permission requests and questions waiting for a person, optionally of one task'))
    .input(ListRequestsInput.optional())
    .output(z.array(AgentRequest))
    .query(({ ctx, input }) => ctx.services.agent.requests.list(input?.taskId)),
  reply: procedure
    .meta(meta('POST', '/tasks/{taskId}/requests/{requestId}/reply', 'Answer a permission request: once, always, or reject'))
    .input(ReplyRequestInput)
    .output(Ok)
    .mutation(({ ctx, input }) => ctx.services.agent.requests.reply(input)),
  answer: procedure
    .meta(meta('POST', '/tasks/{taskId}/requests/{requestId}/answer', 'Answer a question: one list of choices per question'))
    .input(AnswerRequestInput)
    .output(Ok)
    .mutation(({ ctx, input }) => ctx.services.agent.requests.answer(input)),
  dismiss: procedure
    .meta(meta('POST', '/tasks/{taskId}/requests/{requestId}/dismiss', 'Dismiss a question without answering it'))
    .input(DismissRequestInput)
    .output(Ok)
    .mutation(({ ctx, input }) => ctx.services.agent.requests.dismiss(input)),
});

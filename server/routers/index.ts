import { router } from '../trpc.js';
import { commentsRouter } from './comments.js';
import { configRouter } from './config.js';
import { devServerRouter } from './dev-server.js';
import { eventsRouter } from './events.js';
import { healthProcedure } from './health.js';
import { plansRouter } from './plans.js';
import { projectRouter } from './project.js';
import { requestsRouter } from './requests.js';
import { tasksRouter } from './tasks.js';

export const appRouter = router({
  health: healthProcedure,
  project: projectRouter,
  config: configRouter,
  tasks: tasksRouter,
  plans: plansRouter,
  requests: requestsRouter,
  comments: commentsRouter,
  devServer: devServerRouter,
  events: eventsRouter,
});

export type AppRouter = typeof appRouter;

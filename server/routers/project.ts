import { z } from 'zod';
import { ProjectInfo } from '../../shared/api.js';
import { procedure, router } from '../trpc.js';
import { rest } from './meta.js';

export const projectRouter = router({
  info: procedure
    .meta(
      rest('GET', '/project', 'Repository, branches, OpenCode status, config and file problems', 'project', { refuses: false }),
    )
    .input(z.object({}).optional())
    .output(ProjectInfo)
    .query(({ ctx }) => ctx.services.project.info()),
  models: procedure
    .meta(rest('GET', '/project/models', 'Models OpenCode offers, as "provider/model"', 'project'))
    .input(z.object({}).optional())
    .output(z.array(z.string()))
    .query(({ ctx }) => ctx.services.agent.models()),
});

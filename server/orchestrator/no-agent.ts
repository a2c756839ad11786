import { collapseActivity } from '../../shared/activity-rows.js';
import type { ErrorReason } from '../../shared/errors.js';
import { type OpencodeState, UNKNOWN_MODEL_HEALTH } from '../../shared/events.js';
import { PreconditionError } from '../errors.js';
import type { AgentActions } from './agent-actions.js';
import { NO_REQUESTS } from './requests.js';

/** Used when the studio runs without OpenCode (tests of the host alone): every agent action explains why it cannot run. */
export class NoAgent implements AgentActions {
  constructor(
    private readonly reason = 'the agent is not available in this studio',
    private readonly code: ErrorReason = 'opencode-unavailable',
  ) {}
  protected refuse(): never {
    throw new PreconditionError(this.reason, this.code);
  }
  start = async () => this.refuse();
  approvePlan = async () => this.refuse();
  requestChanges = async () => this.refuse();
  merge = async () => this.refuse();
  updateBranch = async () => this.refuse();
  abort = async () => this.refuse();
  retry = async () => this.refuse();
  diff = async () => this.refuse();
  activity: AgentActions['activity'] = async () => [];
  /** Collapsed from `activity`, so an agent made from this one by replacing `activity` shows its rows too; no events go with them. */
  activityRows: AgentActions['activityRows'] = async (id) => ({ rows: collapseActivity(await this.activity(id)), asOf: null });
  discard: AgentActions['discard'] = async () => {};
  hasWork: AgentActions['hasWork'] = async () => false;
  models = async () => [];
  readonly requests = NO_REQUESTS;
  status = (): OpencodeState => ({
    state: 'unavailable',
    url: null,
    reason: this.reason,
    managed: false,
    demo: false,
    model: UNKNOWN_MODEL_HEALTH,
  });
}

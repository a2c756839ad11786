import { STATUS_TITLES, TASK_STATUSES } from '../../../shared/statuses.js';

export const COLUMNS = TASK_STATUSES;
export const COLUMN_TITLES = STATUS_TITLES;

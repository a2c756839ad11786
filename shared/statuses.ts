/** The board's columns in order, with their titles. No zod here: the board imports this file. */
export const TASK_STATUSES = ['todo', 'planning', 'plan_review', 'in_progress', 'ai_review', 'review', 'done'] as const;
export type TaskStatusName = (typeof TASK_STATUSES)[number];

export const STATUS_TITLES: Record<TaskStatusName, string> = {
  todo: 'Todo',
  planning: 'Planning',
  plan_review: 'Plan review',
  in_progress: 'In progress',
  ai_review: 'AI review',
  review: 'Review',
  done: 'Done',
};

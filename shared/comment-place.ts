/** `path:12` or `path:12-14`: how a comment is named to the agent and on the board. No zod here: the board imports this file. */
export function commentPlace(c: { path: string; line: number; endLine?: number | null }): string {
  return `${c.path}:${c.line}${c.endLine && c.endLine !== c.line ? `-${c.endLine}` : ''}`;
}

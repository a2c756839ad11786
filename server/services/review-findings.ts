export type Finding = { path: string; line: number; endLine: number | null; body: string };

/** `path:12` or `path:12-14`, where path is whatever sits before the colon up to a space, quote or bracket. */
const PLACE = /([^\s`'"()[\]<>:,]+):(\d+)(?:\s*[-–]\s*(\d+))?/g;

/**
 * The lines of an AI review that name a place in the diff, as comments: the line of the review
 * (without its bullet) is the comment. Places outside the diff's files are ignored.
 */
export function aiFindings(markdown: string, files: ReadonlySet<string>): Finding[] {
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const raw of markdown.split('\n')) {
    const body = raw.replace(/^\s*(?:[-*+]|\d+[.)])\s+/, '').trim();
    if (!body || /^VERDICT:/i.test(body)) continue;
    for (const m of body.matchAll(PLACE)) {
      const path = m[1]!.replace(/^(?:\.\/|[ab]\/)/, '');
      if (!files.has(path)) continue;
      const line = Number(m[2]);
      const end = m[3] === undefined ? null : Number(m[3]);
      if (line < 1 || (end !== null && end < line)) continue;
      const key = `${path}:${line}:${end}:${body}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ path, line, endLine: end, body: body.slice(0, 20_000) });
    }
  }
  return out;
}

import { existsSync } from 'node:fs';
import path from 'node:path';

let chrt: string | null | undefined;

/**
 * The command prefix for background work (a warm slot's checkout and its setup). On Linux with
 * util-linux's `chrt`, under SCHED_IDLE: it runs only on CPU time nothing else wants, so a slot's
 * `npm ci` or checkout beside a running phase takes what the phase leaves. Under `nice -n 10`
 * alone it still took about a tenth of a contended core, and woke up in the phase's way.
 * Elsewhere (macOS, no chrt) `nice -n 10`.
 */
export function backgroundPrefix(): string[] {
  if (chrt === undefined) {
    const dirs = process.platform === 'linux' ? (process.env.PATH ?? '').split(path.delimiter).filter(Boolean) : [];
    chrt = dirs.map((dir) => path.join(dir, 'chrt')).find((file) => existsSync(file)) ?? null;
  }
  return [...(chrt ? [chrt, '--idle', '0'] : []), 'nice', '-n', '10'];
}

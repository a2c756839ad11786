import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { makeDir, readTextOrNull, writeFileAtomic } from './atomic-file.js';

/** A token is 32 url-safe characters (24 random bytes); anything else in the file is not ours. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{32}$/;

/**
 * The access token of one checkout, kept across runs so that the URL the studio prints, and every
 * tab opened with it, keep working after a restart. It lives in the user's state folder
 * (`$XDG_STATE_HOME/opencode-studio`, else `~/.local/state/opencode-studio`), never in the repo:
 * a token in a committed folder would be pushed with it. The file is 0600 in a 0700 folder.
 */
export function accessTokenFile(root: string, stateHome = process.env.XDG_STATE_HOME): string {
  const dir = path.join(stateHome || path.join(os.homedir(), '.local', 'state'), 'opencode-studio', 'tokens');
  const name = createHash('sha256').update(path.resolve(root)).digest('hex').slice(0, 24);
  return path.join(dir, `${name}.token`);
}

export function newAccessToken(): string {
  return randomBytes(24).toString('base64url');
}

/** The checkout's token: the kept one, or a new one (kept from now on) when there is none, it is unreadable, or `rotate`. */
export async function keptAccessToken(file: string, options: { rotate?: boolean } = {}): Promise<string> {
  if (!options.rotate) {
    const kept = (await readTextOrNull(file, 1_024))?.trim();
    if (kept && TOKEN_PATTERN.test(kept)) {
      // A file someone else could read is a leaked token: make a new one rather than keep using it.
      const { mode } = await fs.stat(file);
      if ((mode & 0o077) === 0) return kept;
    }
  }
  const token = newAccessToken();
  await makeDir(path.dirname(file), 0o700);
  await writeFileAtomic(file, `${token}\n`, 0o600);
  return token;
}

import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import type { Config } from '../../shared/config.js';
import { describeSettings, settingsNeedingTrust, type TrustedValue, type TrustState } from '../../shared/trust.js';
import { errorMessage, PreconditionError } from '../errors.js';
import { makeDir, readTextOrNull, writeFileAtomic } from './atomic-file.js';
import { KeyedLock } from './keyed-lock.js';

const TrustRecord = z.object({
  root: z.string(),
  hash: z.string(),
  settings: z.record(z.string(), z.unknown()),
  trustedAt: z.string(),
});
const TrustFile = z.object({ version: z.literal(1), trusted: z.array(TrustRecord) });
type TrustFile = z.infer<typeof TrustFile>;

/** Trust records kept per checkout: enough for a few branches with different settings. */
const RECORDS_PER_ROOT = 20;

/** `$XDG_CONFIG_HOME/opencode-studio/trust.json` (`~/.config/…` by default): the user's, never the repo's. */
export function trustFilePath(): string {
  const base = process.env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config');
  return path.join(base, 'opencode-studio', 'trust.json');
}

/**
 * The hash of the values exactly as set: a changed command, an added rule, even rules in
 * another order (OpenCode reads pattern rules in order) make a new hash that needs trust again.
 */
export function trustHash(settings: TrustedValue[]): string {
  const canonical = JSON.stringify(settings.map((s) => [s.key, s.value]));
  return `sha256:${createHash('sha256').update(canonical).digest('hex')}`;
}

/**
 * The user's trust records, like `direnv allow`: a repo root and the hash of the values trusted
 * there. Read fresh on every question, so a trust given by the CLI counts at once in a running
 * studio; written atomically with mode 0600. A file that cannot be read trusts nothing.
 */
export class TrustBook {
  private readonly lock = new KeyedLock();

  constructor(readonly file = trustFilePath()) {}

  async isTrusted(root: string, hash: string): Promise<boolean> {
    const book = await this.read().catch(() => null);
    return book?.trusted.some((r) => r.root === root && r.hash === hash) ?? false;
  }

  async trust(root: string, settings: TrustedValue[]): Promise<void> {
    const hash = trustHash(settings);
    await this.change((book) => {
      const others = book.trusted.filter((r) => r.root !== root);
      const mine = book.trusted.filter((r) => r.root === root && r.hash !== hash);
      const record = {
        root,
        hash,
        settings: Object.fromEntries(settings.map((s) => [s.key, s.value])),
        trustedAt: new Date().toISOString(),
      };
      return { version: 1, trusted: [...others, ...mine.slice(-(RECORDS_PER_ROOT - 1)), record] };
    });
  }

  /** Forgets every record of `root`; answers how many there were. */
  async revoke(root: string): Promise<number> {
    let removed = 0;
    await this.change((book) => {
      const kept = book.trusted.filter((r) => r.root !== root);
      removed = book.trusted.length - kept.length;
      return { ...book, trusted: kept };
    });
    return removed;
  }

  private change(edit: (book: TrustFile) => TrustFile): Promise<void> {
    return this.lock.run('file', async () => {
      let book: TrustFile;
      try {
        book = await this.read();
      } catch (err) {
        throw new PreconditionError(
          `${this.file} cannot be read (${errorMessage(err)}); fix or delete it, then try again`,
          'invalid-file',
        );
      }
      await makeDir(path.dirname(this.file), 0o700);
      await writeFileAtomic(this.file, `${JSON.stringify(edit(book), null, 2)}\n`, 0o600);
      // A file made by hand, or by an older tool, may be wider: the rename keeps the temp file's mode, this makes sure.
      await fs.chmod(this.file, 0o600);
    });
  }

  private async read(): Promise<TrustFile> {
    const text = await readTextOrNull(this.file);
    if (text === null) return { version: 1, trusted: [] };
    return TrustFile.parse(JSON.parse(text));
  }
}

/**
 * Whether this user trusted the settings of `config` that run commands or loosen the agent,
 * for the checkout at `root`. Those settings come from a committed file: whoever wrote the
 * repository wrote them.
 */
export async function trustStateOf(root: string, config: Config, book: TrustBook): Promise<TrustState> {
  const settings = settingsNeedingTrust(config);
  if (settings.length === 0) return { state: 'not-needed', hash: null, settings };
  const hash = trustHash(settings);
  return { state: (await book.isTrusted(root, hash)) ? 'trusted' : 'untrusted', hash, settings };
}

/** The refusal of anything that would use untrusted settings: names each value and says how to trust them. */
export function untrustedError(root: string, state: TrustState): PreconditionError {
  return new PreconditionError(
    `this repository's .opencode-studio/config.json has settings that run commands or loosen the agent, and you have not trusted these values:\n${describeSettings(state.settings)}\nRead them, then trust them with the board's Trust button or "opencode-studio trust ${root}".`,
    'untrusted-settings',
  );
}

import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { describeSettings } from '../../shared/trust.js';
import { openRepo } from '../git/repo.js';
import { readTextOrNull } from '../store/atomic-file.js';
import { DEFAULT_CONFIG, parseConfig } from '../store/config-file.js';
import { WorkspacePaths } from '../store/paths.js';
import { TrustBook, trustStateOf } from '../store/trust-book.js';

const say = (line: string) => process.stdout.write(`${line}\n`);

/**
 * `opencode-studio trust [dir] [--yes] [--revoke]`: shows the repo's settings that run commands or
 * loosen the agent, exactly as set, and records this user's trust in them (or forgets it).
 */
export async function runTrust(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { yes: { type: 'boolean', short: 'y' }, revoke: { type: 'boolean' } },
  });
  if (positionals.length > 1) throw new TrustUsageError('trust takes at most one directory');
  const repo = await openRepo(path.resolve(positionals[0] ?? process.cwd()));
  const book = new TrustBook();
  if (values.revoke) {
    const removed = await book.revoke(repo.root);
    say(
      removed > 0
        ? `Forgot your trust in the settings of ${repo.root} (${removed} record(s) in ${book.file}).`
        : `You had not trusted any settings of ${repo.root}; nothing changed.`,
    );
    return 0;
  }
  const paths = new WorkspacePaths(repo.root);
  const text = await readTextOrNull(paths.config);
  const config = text === null ? DEFAULT_CONFIG : parseConfig(text).config;
  const state = await trustStateOf(repo.root, config, book);
  if (state.state === 'not-needed') {
    say(
      `${paths.relative(paths.config)} in ${repo.root} has no settings that run commands or loosen the agent: nothing to trust.`,
    );
    return 0;
  }
  say(`${paths.relative(paths.config)} in ${repo.root} sets:`);
  for (const s of state.settings) say(`  ${describeSettings([s])}\n      (${s.why})`);
  if (state.state === 'trusted') {
    say('You already trust exactly these values.');
    return 0;
  }
  if (!values.yes && !(await confirm('Trust these values for this checkout? [y/N] '))) {
    say('Not trusted; the agent stays off for this repo until you trust its settings.');
    return 1;
  }
  await book.trust(repo.root, state.settings);
  say(`Trusted (recorded in ${book.file}). A change to any of these values will ask again.`);
  return 0;
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: false });
  try {
    process.stdout.write(question);
    const answer = await new Promise<string>((resolve) => {
      rl.once('line', resolve);
      rl.once('close', () => resolve(''));
    });
    // Typed at a terminal, the answer ended the line; piped or absent, end it here.
    if (!process.stdin.isTTY) process.stdout.write('\n');
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

class TrustUsageError extends Error {
  override name = 'TrustUsageError';
}

import { spawn } from 'node:child_process';
import path from 'node:path';
import { isLoopback } from '../http/security.js';
import { createStudioServer, type StudioServer } from '../index.js';
import { MERGE_DRIVER_NOTE } from './init.js';

export interface StartOptions {
  dir: string;
  port: number;
  host: string;
  open: boolean;
  opencodeUrl: string | null;
  demo: boolean;
  /** Replace the checkout's kept access token: links and tabs opened with the old one stop working. */
  newToken: boolean;
}

const say = (line: string) => process.stdout.write(`${line}\n`);

export async function runStart(options: StartOptions): Promise<number> {
  // Listening from the first moment: a SIGTERM that lands while the studio starts (or just as it
  // prints "ready") shuts it down cleanly instead of killing it half-way.
  const signals = watchSignals();
  // Whoever read the output may be gone (\`opencode-studio | head\`): a line nobody reads is not a crash.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
  if (!isLoopback(options.host))
    say(
      `Warning: binding to ${options.host} makes the studio reachable from other machines; anyone with the token can run commands in this repo.`,
    );
  let dir = path.resolve(options.dir);
  let agent: Parameters<typeof createStudioServer>[0]['agent'];
  if (options.demo) {
    const { prepareDemo } = await import('../demo/demo.js');
    const demo = await prepareDemo(say);
    dir = demo.root;
    agent = demo.agent;
  } else {
    if (options.opencodeUrl) await refuseUnsupported(options.opencodeUrl);
    const { agentFactory } = await import('./agent-factory.js');
    agent = agentFactory({ opencodeUrl: options.opencodeUrl, log: say });
  }
  const studio = await createStudioServer({
    root: dir,
    port: options.port,
    host: options.host,
    agent,
    demo: options.demo,
    // The demo's sample repo is new each run: nothing to keep a token for.
    ...(options.demo ? {} : { keepToken: { rotate: options.newToken } }),
    log: () => {},
  });
  if (studio.createdWorkspace.length > 0) say(`Created .opencode-studio/ in ${studio.root} (commit it with your code).`);
  say(
    studio.mergeDriverProblem
      ? `Warning: could not set up the task-file merge driver in .git/config (${studio.mergeDriverProblem}); git will merge task files line by line.`
      : MERGE_DRIVER_NOTE,
  );
  if (studio.portNote) say(`Note: ${studio.portNote}.`);
  for (const lock of studio.removedLocks)
    say(`Removed ${lock}: a git command of a studio that was killed made it and never finished.`);
  const trust = await studio.services.trust.state();
  if (trust.state === 'untrusted')
    say(
      `This repository's config sets ${trust.settings.map((s) => s.key).join(', ')}, which run commands or loosen the agent: the agent stays off until you trust them (the board's banner, or "opencode-studio trust ${studio.root}").`,
    );
  say(`OpenCode Studio ready at ${studio.openUrl}`);
  if (options.open) openBrowser(studio.openUrl);
  await signals.stopping(studio);
  return 0;
}

/**
 * A server given by --opencode-url that is not an OpenCode the studio can drive stops the start
 * with what was found and what is supported; one that does not answer yet may come up later.
 */
async function refuseUnsupported(url: string): Promise<void> {
  const { checkOpencodeServer, UnsupportedOpencodeError } = await import('../opencode/server-compat.js');
  await checkOpencodeServer(url.replace(/\/+$/, ''), null).catch((err: unknown) => {
    if (err instanceof UnsupportedOpencodeError) throw err;
  });
}

/**
 * SIGINT/SIGTERM close the studio: at once when it is up, else as soon as it is (a start is not
 * cut half-way). A second signal forces the exit.
 */
function watchSignals(): { stopping(studio: StudioServer): Promise<void> } {
  let asked: string | null = null;
  let close: ((signal: string) => void) | null = null;
  const handle = (signal: string) => {
    if (asked) {
      say('Forced exit.');
      process.exit(130);
    }
    asked = signal;
    close?.(signal);
  };
  process.on('SIGINT', () => handle('SIGINT'));
  process.on('SIGTERM', () => handle('SIGTERM'));
  return {
    stopping: (studio) =>
      new Promise((resolve) => {
        close = (signal) => {
          say(`\n${signal}: shutting down…`);
          studio.close().then(resolve, (err) => {
            console.error(err);
            resolve();
          });
        };
        if (asked) close(asked);
      }),
  };
}

function openBrowser(url: string): void {
  const command = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'cmd' : 'xdg-open';
  const args = process.platform === 'win32' ? ['/c', 'start', '', url] : [url];
  const child = spawn(command, args, { stdio: 'ignore', detached: true });
  child.on('error', () => say('Could not open a browser; open the URL above yourself.'));
  child.unref();
}

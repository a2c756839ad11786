#!/usr/bin/env node
import { parseArgs } from 'node:util';
import v8 from 'node:v8';

// The studio is a long-lived, mostly idle server: keep V8's young generation at its starting
// size instead of letting the burst of reading 10,000 task files grow it for good (about 30 MB
// of resident memory at 10,000 tasks, for slightly more frequent minor collections).
v8.setFlagsFromString('--semi-space-growth-factor=1');

const HELP = `OpenCode Studio: a kanban board that drives the OpenCode agent, state in .opencode-studio/

Usage:
  opencode-studio [dir]            start the studio for the git repo at dir (default: current dir)
    --port <n>                     port to listen on (default 4100; if taken, the next free one)
    --host <addr>                  address to bind (default 127.0.0.1; anything else is reachable from the network)
    --no-open                      do not open the browser
    --opencode-url <url>           use an OpenCode server that is already running
    --new-token                    replace this checkout's access token (kept across runs in
                                   ~/.local/state/opencode-studio); old links and tabs stop working
    --demo                         try it with no API key: a sample repo in a temp dir and a scripted model
  opencode-studio init [dir]       create .opencode-studio/ in the repo (and its git merge driver) and exit
  opencode-studio task <command>   list, show, create, move, start, approve, merge… tasks
                                   from a terminal ("opencode-studio task --help" lists them)
  opencode-studio slots [--clear] [dir]
                                   list the warm worktree slots (config warmSlots), or remove them all
  opencode-studio mcp [dir]        an MCP server over stdio with the board's tools, for agents
                                   (OpenCode, Claude Code…); it uses the running studio if any
    --read-only                    offer the read tools only
  opencode-studio trust [dir]      show the repo's settings that run commands or loosen the agent
                                   and trust them (y/N); --yes for scripts, --revoke to forget
  opencode-studio merge-driver <base> <ours> <theirs> <path>
                                   git's merge driver for task files (installed by init and each start)
  opencode-studio --help | --version
`;

async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'task') {
    const { runTask } = await import('./task.js');
    return runTask(argv.slice(1));
  }
  if (argv[0] === 'slots') {
    const { runSlots } = await import('./slots.js');
    return runSlots(argv.slice(1));
  }
  if (argv[0] === 'trust') {
    const { runTrust } = await import('./trust.js');
    return runTrust(argv.slice(1));
  }
  if (argv[0] === 'mcp') {
    const { values, positionals } = parseArgs({
      args: argv.slice(1),
      allowPositionals: true,
      options: { 'read-only': { type: 'boolean' } },
    });
    if (positionals.length > 1) throw new UsageError('mcp takes at most one directory');
    const { runMcp } = await import('../mcp/mcp-server.js');
    return runMcp(positionals[0] ?? process.cwd(), { readOnly: values['read-only'] ?? false });
  }
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'no-open': { type: 'boolean' },
      'opencode-url': { type: 'string' },
      demo: { type: 'boolean' },
      'new-token': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (values.version) {
    const { STUDIO_VERSION } = await import('../version.js');
    process.stdout.write(`${STUDIO_VERSION}\n`);
    return 0;
  }
  if (positionals[0] === 'merge-driver') {
    const { runMergeDriver } = await import('./merge-driver.js');
    return runMergeDriver(positionals.slice(1));
  }
  if (positionals[0] === 'init') {
    if (positionals.length > 2) throw new UsageError('init takes at most one directory');
    const { runInit } = await import('./init.js');
    return runInit(positionals[1] ?? process.cwd());
  }
  if (positionals.length > 1) throw new UsageError(`unexpected arguments: ${positionals.slice(1).join(' ')}`);
  const port = values.port === undefined ? 4100 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port must be a number from 0 to 65535, not "${values.port}"`);
  const { runStart } = await import('./start.js');
  return runStart({
    dir: positionals[0] ?? process.cwd(),
    port,
    host: values.host ?? '127.0.0.1',
    open: !values['no-open'],
    opencodeUrl: values['opencode-url'] ?? null,
    demo: values.demo ?? false,
    newToken: values['new-token'] ?? false,
  });
}

class UsageError extends Error {}
const isUsageError = (err: unknown) => err instanceof UsageError || /UsageError$/.test((err as Error).name ?? '');

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exitCode = code;
  },
  (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`opencode-studio: ${message}\n`);
    if (isUsageError(err) || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS'))
      process.stderr.write(`Run "opencode-studio ${process.argv[2] === 'task' ? 'task ' : ''}--help" for usage.\n`);
    process.exitCode = 1;
  },
);

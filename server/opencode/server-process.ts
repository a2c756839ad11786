import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type AddressInfo, createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { signalGroup, trackGroup, untrackGroup } from './process-reaper.js';

export type OpencodeStatus = { state: 'starting' | 'ready' | 'unavailable'; url: string | null; reason: string | null };

export interface OpencodeProcessOptions {
  cwd: string;
  env?: Record<string, string>;
  /** Passed to opencode as `OPENCODE_CONFIG_CONTENT`. */
  configContent?: Record<string, unknown>;
  /** Restarts after unexpected exits, with exponential backoff; default 5. */
  maxRestarts?: number;
  startTimeoutMs?: number;
  onStatus?: (s: OpencodeStatus) => void;
  onLog?: (line: string) => void;
  /** Called synchronously right after each spawn, so the pid can be recorded before anything else happens. */
  onSpawn?: (pid: number) => void;
}

export class OpencodeNotFoundError extends Error {
  override name = 'OpencodeNotFoundError';
}

const URL_LINE = /opencode server listening on (https?:\/\/\S+)/;
const LOG_LINES = 300;
const STOP_GRACE_MS = 3_000;
/** A run this long resets the restart budget, so rare crashes over days do not exhaust it. */
const STABLE_MS = 60_000;

/** Runs `opencode serve` on loopback with a random password and keeps it running. */
export class OpencodeProcess {
  readonly #opts: OpencodeProcessOptions;
  readonly #password = randomBytes(24).toString('base64url');
  #status: OpencodeStatus = { state: 'unavailable', url: null, reason: 'not started' };
  #child: ChildProcess | null = null;
  #log: string[] = [];
  #restarts = 0;
  #readyAt = 0;
  /**
   * Restarts reuse the last port so clients holding the URL reconnect to the new server. We pick
   * it ourselves: with `--port 0` opencode first tries its well-known 4096, which any other
   * opencode on the machine may take while ours restarts.
   */
  #port = 0;
  #launching = false;
  #stopping = false;
  #restartTimer: NodeJS.Timeout | null = null;
  #waiters: Array<(s: OpencodeStatus) => void> = [];

  constructor(opts: OpencodeProcessOptions) {
    this.#opts = opts;
  }

  get status(): OpencodeStatus {
    return { ...this.#status };
  }

  get password(): string {
    return this.#password;
  }

  get pid(): number | null {
    return this.#child?.pid ?? null;
  }

  authHeader(): string {
    return `Basic ${Buffer.from(`opencode:${this.#password}`).toString('base64')}`;
  }

  logTail(lines = 40): string {
    return this.#log.slice(-lines).join('\n');
  }

  /** Resolves once the server is ready or has been given up on; never rejects. */
  start(): Promise<OpencodeStatus> {
    if (this.#status.state === 'ready') return Promise.resolve(this.status);
    this.#stopping = false;
    const settled = new Promise<OpencodeStatus>((resolve) => this.#waiters.push(resolve));
    if (!this.#child && !this.#restartTimer && !this.#launching) {
      this.#restarts = 0;
      void this.#spawn(null);
    }
    return settled;
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#restartTimer) clearTimeout(this.#restartTimer);
    this.#restartTimer = null;
    const child = this.#child;
    if (child?.pid && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      signalGroup(child.pid, 'SIGTERM');
      // On a fresh config dir opencode may be busy installing its plugin and ignore SIGTERM.
      const timer = setTimeout(() => child.pid && signalGroup(child.pid, 'SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    }
    this.#setStatus({ state: 'unavailable', url: null, reason: 'stopped' });
  }

  async #spawn(reason: string | null): Promise<void> {
    this.#restartTimer = null;
    this.#setStatus({ state: 'starting', url: null, reason });
    this.#launching = true;
    try {
      if (this.#port === 0) this.#port = await freeLoopbackPort();
    } catch (err) {
      this.#launching = false;
      this.#giveUp(`no free port on 127.0.0.1: ${(err as Error).message}`);
      return;
    }
    this.#launching = false;
    if (this.#stopping) return;
    const env: Record<string, string | undefined> = {
      ...process.env,
      ...this.#opts.env,
      OPENCODE_SERVER_PASSWORD: this.#password,
    };
    if (this.#opts.configContent) env.OPENCODE_CONFIG_CONTENT = JSON.stringify(this.#opts.configContent);
    let binary: string;
    try {
      binary = opencodeBinary();
    } catch (err) {
      this.#giveUp((err as Error).message);
      return;
    }
    // A watchdog shares the server's process group and holds our end of a pipe: when this
    // process dies, even by SIGKILL, the pipe closes and the watchdog kills the group.
    const child = spawn('/bin/sh', ['-c', WATCHDOG, binary, 'serve', '--hostname', '127.0.0.1', '--port', String(this.#port)], {
      cwd: this.#opts.cwd,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    this.#child = child;
    child.stdin?.on('error', () => undefined);
    if (child.pid) {
      trackGroup(child.pid);
      this.#opts.onSpawn?.(child.pid);
    }
    const timeoutMs = this.#opts.startTimeoutMs ?? 30_000;
    const startTimer = setTimeout(() => {
      if (this.#child !== child || this.#status.state !== 'starting') return;
      this.#child = null;
      if (child.pid) signalGroup(child.pid, 'SIGKILL');
      this.#giveUp(`OpenCode did not become ready within ${Math.round(timeoutMs / 1000)} s`);
    }, timeoutMs);

    const onLine = (line: string) => {
      this.#log.push(line);
      if (this.#log.length > LOG_LINES) this.#log.splice(0, this.#log.length - LOG_LINES);
      this.#opts.onLog?.(line);
      const url = URL_LINE.exec(line)?.[1];
      if (url && this.#child === child) void this.#awaitHealthy(child, url, startTimer);
    };
    createInterface({ input: child.stdout! }).on('line', onLine);
    createInterface({ input: child.stderr! }).on('line', onLine);
    child.on('error', (err) => {
      clearTimeout(startTimer);
      if (this.#child !== child) return;
      this.#child = null;
      this.#giveUp(`cannot run ${binary}: ${err.message}`);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(startTimer);
      if (child.pid) {
        signalGroup(child.pid, 'SIGKILL'); // leftovers such as a background npm install
        untrackGroup(child.pid);
      }
      if (this.#child !== child) return;
      this.#child = null;
      if (this.#stopping) return;
      this.#crashed(`OpenCode exited (${signal ?? `code ${code}`})`);
    });
  }

  async #awaitHealthy(child: ChildProcess, url: string, startTimer: NodeJS.Timeout): Promise<void> {
    while (this.#child === child && this.#status.state === 'starting') {
      const ok = await fetch(`${url}/global/health`, { headers: { authorization: this.authHeader() } }).then(
        (r) => r.ok,
        () => false,
      );
      if (ok && this.#child === child) {
        clearTimeout(startTimer);
        this.#port = Number(new URL(url).port);
        this.#readyAt = Date.now();
        this.#setStatus({ state: 'ready', url, reason: null });
        return;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  #crashed(reason: string): void {
    const wasReady = this.#status.state === 'ready';
    if (wasReady && Date.now() - this.#readyAt > STABLE_MS) this.#restarts = 0;
    // A restart that died before ready may have lost its old port to someone else.
    if (!wasReady) this.#port = 0;
    const max = this.#opts.maxRestarts ?? 5;
    if (this.#restarts >= max) {
      this.#giveUp(`${reason}; gave up after ${max} restarts`);
      return;
    }
    this.#restarts += 1;
    const delay = Math.min(500 * 2 ** (this.#restarts - 1), 15_000);
    this.#setStatus({ state: 'starting', url: null, reason: `${reason}; restarting (attempt ${this.#restarts} of ${max})` });
    this.#restartTimer = setTimeout(() => this.#spawn(`${reason}; restarting (attempt ${this.#restarts} of ${max})`), delay);
  }

  #giveUp(reason: string): void {
    const tail = this.logTail(20);
    this.#setStatus({ state: 'unavailable', url: null, reason: tail ? `${reason}. Last output:\n${tail}` : reason });
  }

  #setStatus(s: OpencodeStatus): void {
    this.#status = s;
    this.#opts.onStatus?.({ ...s });
    if (s.state === 'starting') return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w({ ...s });
  }
}

/**
 * `sh -c WATCHDOG binary args…`: fd 3 keeps the pipe from the studio for a background
 * subshell that waits for it to close, then kills its own process group; the shell then
 * becomes the server (exec), so the child's pid is the server's and leads the group.
 */
const WATCHDOG = 'exec 3<&0 </dev/null; (cat <&3 >/dev/null 2>&1; kill -KILL 0) >/dev/null 2>&1 & exec 3<&-; exec "$0" "$@"';

/** A port the kernel considers free on loopback right now. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * The opencode binary of the `opencode-ai` dependency. Its postinstall links the right build
 * into `bin/`; when install scripts did not run, the platform package's binary is used.
 */
export function opencodeBinary(): string {
  const require = createRequire(import.meta.url);
  let pkgPath: string;
  try {
    pkgPath = require.resolve('opencode-ai/package.json');
  } catch {
    throw new OpencodeNotFoundError('the opencode-ai package is not installed (npm install opencode-ai)');
  }
  const pkg = require(pkgPath) as { bin?: string | Record<string, string> };
  const bin = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin?.opencode;
  const linked = bin ? join(dirname(pkgPath), bin) : null;
  if (linked && existsSync(linked) && statSync(linked).size > 1_000_000) return linked;
  const fromPkg = createRequire(pkgPath);
  const os = process.platform === 'win32' ? 'windows' : process.platform;
  const exe = process.platform === 'win32' ? 'opencode.exe' : 'opencode';
  for (const variant of ['', '-baseline', '-musl', '-baseline-musl']) {
    try {
      const platformPkg = fromPkg.resolve(`opencode-${os}-${process.arch}${variant}/package.json`);
      const candidate = join(dirname(platformPkg), 'bin', exe);
      if (existsSync(candidate)) return candidate;
    } catch {
      // not installed for this variant; try the next one
    }
  }
  if (linked && existsSync(linked)) return linked;
  throw new OpencodeNotFoundError(`no opencode binary found for ${os}-${process.arch} under ${dirname(pkgPath)}`);
}

/** XDG dirs and HOME under `dir`, so a server sees none of the user's opencode setup and leaves none behind. */
export function isolatedOpencodeEnv(dir: string): Record<string, string> {
  const env: Record<string, string> = {
    HOME: join(dir, 'home'),
    XDG_CONFIG_HOME: join(dir, 'config'),
    XDG_DATA_HOME: join(dir, 'data'),
    XDG_CACHE_HOME: join(dir, 'cache'),
    XDG_STATE_HOME: join(dir, 'state'),
  };
  for (const path of Object.values(env)) mkdirSync(path, { recursive: true });
  return {
    ...env,
    OPENCODE_DISABLE_MODELS_FETCH: '1',
    OPENCODE_DISABLE_AUTOUPDATE: '1',
    OPENCODE_DISABLE_CLAUDE_CODE: '1',
  };
}

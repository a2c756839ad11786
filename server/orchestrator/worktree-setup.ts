import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ActivityEntry } from '../../shared/activity.js';
import type { AgentPhase } from '../../shared/task.js';
import { PreconditionError } from '../errors.js';
import { gitAt } from '../git/repo.js';
import type { ProcessGroups } from './process-groups.js';

export interface SetupInput {
  /** The main checkout, where untracked files are copied from. */
  root: string;
  /** The task's worktree. */
  dir: string;
  taskId: string;
  phase: AgentPhase;
  commands: readonly string[];
  copy: readonly string[];
  signal: AbortSignal;
  emit: (entry: ActivityEntry) => void;
  /** One line for the card while a command runs. */
  progress: (line: string) => void;
  /** Added to the commands' environment (`PORT`). */
  env?: Record<string, string>;
  /** Started through the studio's process groups (recorded, reaped after a kill -9) and, with `background`, on spare CPU time. */
  groups?: ProcessGroups;
  background?: boolean;
}

const TAIL_LINES = 20;
const TAIL_CHARS = 4_000;
const FLUSH_MS = 200;
const KILL_GRACE_MS = 3_000;

/**
 * Readies a new worktree before its first phase: copies the untracked files `worktreeCopy`
 * names, then runs `worktreeSetup` in order. Done once per worktree; a failed setup runs again
 * from the start on Retry. Returns the copied paths, which no task commit may include.
 */
export async function prepareWorktree(i: SetupInput): Promise<string[]> {
  const marker = await markerPath(i.dir);
  const done = await readMarker(marker);
  if (done) return done.copied;
  const copied = await copyUntracked(i.root, i.dir, i.copy);
  // Recorded before the commands run, so a failed setup's copies stay out of commits too.
  await fs.writeFile(`${marker}.copied`, JSON.stringify(copied));
  for (const [n, command] of i.commands.entries()) await runCommand(i, command, n + 1);
  await fs.writeFile(marker, `${JSON.stringify({ copied, at: new Date().toISOString() })}\n`);
  return copied;
}

/** Makes the next `prepareWorktree` of `dir` copy and run the setup again (a warm slot whose inputs changed). */
export async function forgetSetup(dir: string): Promise<void> {
  await fs.rm(await markerPath(dir), { force: true });
}

/** The paths `prepareWorktree` copied into `dir` (also after a failed setup); [] when none. */
export async function copiedFiles(dir: string): Promise<string[]> {
  const marker = await markerPath(dir);
  const text = await fs.readFile(`${marker}.copied`, 'utf8').catch(() => '[]');
  const list: unknown = JSON.parse(text);
  return Array.isArray(list) ? list.filter((p): p is string => typeof p === 'string') : [];
}

/** In the worktree's private git folder: never in its files, and gone with the worktree. */
async function markerPath(dir: string): Promise<string> {
  const dotGit = await fs.readFile(path.join(dir, '.git'), 'utf8');
  const gitdir = /^gitdir: (.+)$/m.exec(dotGit)?.[1]?.trim();
  if (!gitdir) throw new Error(`${dir} is not a git worktree (its .git file names no gitdir)`);
  return path.join(path.resolve(dir, gitdir), 'studio-setup.json');
}

async function readMarker(file: string): Promise<{ copied: string[] } | null> {
  try {
    const parsed = JSON.parse(await fs.readFile(file, 'utf8')) as { copied?: unknown };
    return { copied: Array.isArray(parsed.copied) ? parsed.copied.filter((p) => typeof p === 'string') : [] };
  } catch {
    return null;
  }
}

/** Files git does not track (ignored ones too, such as `.env`) that match one of the globs. */
async function copyUntracked(root: string, dir: string, globs: readonly string[]): Promise<string[]> {
  if (globs.length === 0) return [];
  const out = await gitAt(root).raw(['ls-files', '--others', '-z', '--', ...globs.map((g) => `:(glob)${g}`)]);
  const files = out.split('\0').filter((f) => f && !f.startsWith('.opencode-studio/'));
  for (const file of files) {
    const to = path.join(dir, file);
    await fs.mkdir(path.dirname(to), { recursive: true });
    await fs.copyFile(path.join(root, file), to);
  }
  return files;
}

function runCommand(i: SetupInput, command: string, step: number): Promise<void> {
  const id = `setup-${Date.now().toString(36)}-${step}`;
  const of = i.commands.length;
  const started = Date.now();
  const row = (state: 'running' | 'completed' | 'error', exitCode: number | null): ActivityEntry => ({
    kind: 'setup',
    at: new Date().toISOString(),
    phase: i.phase,
    id,
    command,
    step,
    of,
    state,
    exitCode,
    durationMs: state === 'running' ? null : Date.now() - started,
  });
  i.emit(row('running', null));
  i.progress(`setting up the worktree: ${command} (${step} of ${of})`);
  return new Promise((resolve, reject) => {
    const env = { ...process.env, STUDIO_ROOT: i.root, STUDIO_WORKTREE: i.dir, STUDIO_TASK_ID: i.taskId, ...i.env };
    const child = i.groups
      ? i.groups.spawn(command, { cwd: i.dir, env, background: i.background ?? false, what: `setup "${command}" in ${i.dir}` })
      : spawn('/bin/sh', ['-c', command], { cwd: i.dir, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let tail = '';
    let pending = '';
    let timer: NodeJS.Timeout | null = null;
    const flush = () => {
      if (timer) clearTimeout(timer);
      timer = null;
      if (pending) i.emit({ kind: 'output', at: new Date().toISOString(), phase: i.phase, id, text: pending });
      pending = '';
    };
    const onData = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      pending += text;
      tail = (tail + text).slice(-TAIL_CHARS * 2);
      if (pending.length > 16_000) flush();
      else timer ??= setTimeout(flush, FLUSH_MS);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const kill = (sig: NodeJS.Signals) => {
      try {
        if (child.pid) process.kill(-child.pid, sig);
      } catch {
        // the group has already gone
      }
    };
    const onAbort = () => {
      kill('SIGTERM');
      setTimeout(() => kill('SIGKILL'), KILL_GRACE_MS).unref();
    };
    if (i.signal.aborted) onAbort();
    else i.signal.addEventListener('abort', onAbort, { once: true });
    child.on('error', (err) => {
      i.signal.removeEventListener('abort', onAbort);
      flush();
      i.emit(row('error', null));
      reject(new PreconditionError(`worktree setup could not run "${command}": ${err.message}`, 'setup-failed'));
    });
    child.on('close', (code, signal) => {
      i.signal.removeEventListener('abort', onAbort);
      flush();
      const exitCode = code ?? (signal ? 128 : 1);
      i.emit(row(exitCode === 0 ? 'completed' : 'error', exitCode));
      if (i.signal.aborted) return reject(i.signal.reason);
      if (exitCode === 0) return resolve();
      const how = code === null ? `was killed by ${signal}` : `exited with code ${code}`;
      reject(
        new PreconditionError(
          `worktree setup failed: "${command}" (${step} of ${of}) ${how}; fix it (settings, worktreeSetup) and retry.\n${lastLines(tail)}`,
          'setup-failed',
        ),
      );
    });
  });
}

function lastLines(text: string): string {
  const lines = text.trimEnd().split('\n').slice(-TAIL_LINES).join('\n');
  return lines.length > TAIL_CHARS ? `…${lines.slice(-TAIL_CHARS)}` : lines || '(it printed nothing)';
}

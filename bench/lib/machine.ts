import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from './paths.js';

function tryRun(cmd: string, args: string[]): string | null {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 }).trim();
  } catch {
    return null;
  }
}

function osName(): string {
  try {
    const text = readFileSync('/etc/os-release', 'utf8');
    const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(text)?.[1];
    if (pretty) return `${pretty} (${os.type()} ${os.release()})`;
  } catch {}
  return `${os.type()} ${os.release()}`;
}

function packageVersion(name: string): string {
  const file = path.join(ROOT, 'node_modules', name, 'package.json');
  if (!existsSync(file)) return 'not installed';
  return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version ?? '?';
}

export function chromiumPath(): string | null {
  for (const candidate of [
    process.env.CHROMIUM_PATH,
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
  ]) {
    if (candidate && existsSync(candidate)) return candidate;
  }
  return null;
}

/** The machine and the versions a reader needs to compare two results files. */
export function machineInfo(): Array<[string, string]> {
  const cpus = os.cpus();
  const studio = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const commit = tryRun('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']);
  const dirty = tryRun('git', ['-C', ROOT, 'status', '--porcelain', '--untracked-files=no']);
  const chromium = chromiumPath();
  return [
    ['CPU', `${cpus[0]?.model ?? 'unknown'} × ${cpus.length} (available parallelism ${os.availableParallelism()})`],
    ['Memory', `${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB`],
    ['OS', osName()],
    ['Node.js', process.version],
    ['opencode-studio', `${studio.version} (commit ${commit ?? '?'}${dirty ? ', with uncommitted changes' : ''})`],
    [
      'Dependencies',
      ['@trpc/server', 'express', 'ws', 'zod', 'chokidar', 'vite', 'solid-js', 'playwright-core']
        .map((p) => `${p} ${packageVersion(p)}`)
        .join(', '),
    ],
    ['git', tryRun('git', ['--version'])?.replace(/^git version /, '') ?? 'not found'],
    ['Chromium', chromium ? (tryRun(chromium, ['--version']) ?? chromium) : 'not found'],
  ];
}

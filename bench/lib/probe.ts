import { spawn } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './paths.js';
import { track } from './processes.js';

const TSX = path.join(ROOT, 'node_modules/.bin/tsx');

/** A module of the built package (`dist/...`) as a file URL, for probes that import the product as shipped. */
export function distUrl(rel: string): string {
  return pathToFileURL(path.join(ROOT, 'dist', rel)).href;
}

/**
 * Run a probe script (bench/probes/<name>.ts) in a fresh process and parse the JSON it prints
 * last: in-process breakdowns measured away from the benchmark's own heap and event loop.
 */
export function runProbe<T>(name: string, args: string[], timeoutMs = 120_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = track(
      spawn(TSX, [path.join(ROOT, 'bench/probes', `${name}.ts`), ...args], {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, NODE_ENV: 'production' },
      }),
    );
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout?.on('data', (c: Buffer) => (stdout += c));
    child.stderr?.on('data', (c: Buffer) => (stderr += c));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const last = stdout.trim().split('\n').at(-1) ?? '';
      if (code !== 0) {
        reject(new Error(`probe ${name} exited ${code ?? signal}: ${stderr.slice(-1500) || stdout.slice(-1500)}`));
        return;
      }
      try {
        resolve(JSON.parse(last) as T);
      } catch {
        reject(new Error(`probe ${name} printed no JSON: ${stdout.slice(-500)} ${stderr.slice(-500)}`));
      }
    });
  });
}

import net from 'node:net';
import { z } from 'zod';
import { PreconditionError } from '../errors.js';
import { KeyedLock } from '../store/keyed-lock.js';
import { readRuntimeJson, writeRuntimeJson } from '../store/runtime-json.js';

const PortBook = z.record(z.string(), z.number().int());
type PortBook = z.infer<typeof PortBook>;

/**
 * One port of config `portRange` per task that has a worktree (and per warm slot, which hands
 * it to the task that takes it). A port is free when given, kept while its holder lives, and
 * recorded in `runtime/ports.json` so a restart gives each task the same one.
 */
export class Ports {
  private book: PortBook | null = null;
  private readonly lock = new KeyedLock();

  constructor(
    private readonly file: string,
    private readonly range: () => readonly number[],
  ) {}

  /** The holder's port, given now if it has none; `no-free-port` when the whole range is taken. */
  assign(holder: string): Promise<number> {
    return this.locked(async (book) => {
      const held = book[holder];
      if (held !== undefined) return held;
      const taken = new Set(Object.values(book));
      const [low = 0, high = -1] = this.range();
      for (let port = low; port <= high; port++) {
        if (taken.has(port) || !(await isFree(port))) continue;
        book[holder] = port;
        await this.save(book);
        return port;
      }
      throw new PreconditionError(
        `no free port in portRange [${low}, ${high}]: every one is held by a task or in use; widen portRange in the settings, or finish some tasks`,
        'no-free-port',
      );
    });
  }

  async of(holder: string): Promise<number | null> {
    return this.locked(async (book) => book[holder] ?? null);
  }

  /** A warm slot's port goes with the slot to the task that takes it. */
  transfer(from: string, to: string): Promise<void> {
    return this.locked(async (book) => {
      const port = book[from];
      if (port === undefined) return;
      delete book[from];
      book[to] = port;
      await this.save(book);
    });
  }

  release(holder: string): Promise<void> {
    return this.locked(async (book) => {
      if (!(holder in book)) return;
      delete book[holder];
      await this.save(book);
    });
  }

  /** Drops the ports of holders that are gone (tasks deleted or done while the studio was stopped). */
  keepOnly(alive: (holder: string) => boolean): Promise<void> {
    return this.locked(async (book) => {
      const gone = Object.keys(book).filter((h) => !alive(h));
      for (const h of gone) delete book[h];
      if (gone.length > 0) await this.save(book);
    });
  }

  private locked<T>(work: (book: PortBook) => Promise<T>): Promise<T> {
    return this.lock.run('ports', async () => {
      this.book ??= await readRuntimeJson(this.file, PortBook, {});
      return work(this.book);
    });
  }

  private save(book: PortBook): Promise<void> {
    return writeRuntimeJson(this.file, book);
  }
}

/** Nothing listens on the port, on loopback or on all interfaces. */
async function isFree(port: number): Promise<boolean> {
  for (const host of ['127.0.0.1', undefined]) if (!(await canListen(port, host))) return false;
  return true;
}

function canListen(port: number, host: string | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

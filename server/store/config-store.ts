import { Low } from 'lowdb';
import { Config, type ConfigPatch } from '../../shared/config.js';
import { PreconditionError } from '../errors.js';
import type { EventBus } from '../events/event-bus.js';
import { CanonicalJsonFile, removeTempFiles } from './atomic-file.js';
import { DEFAULT_CONFIG, InvalidConfigError, parseConfig, serializeConfig } from './config-file.js';
import { KeyedLock } from './keyed-lock.js';
import { OwnWrites } from './own-writes.js';
import type { WorkspacePaths } from './paths.js';
import type { Problems } from './problems.js';

type ConfigDoc = { config: Config; raw: Record<string, unknown> };

/** `config.json` through lowdb; an invalid file fails start-up, and later is reported while the last good config stays. */
export class ConfigStore {
  private current: Config = DEFAULT_CONFIG;
  private readonly db: Low<ConfigDoc | null>;
  private readonly adapter: CanonicalJsonFile<ConfigDoc | null>;
  private readonly lock = new KeyedLock();

  constructor(
    private readonly paths: WorkspacePaths,
    private readonly bus: EventBus,
    private readonly problems: Problems,
    private readonly ownWrites = new OwnWrites(),
  ) {
    this.adapter = new CanonicalJsonFile<ConfigDoc | null>(paths.config, parseConfig, (doc) =>
      doc ? serializeConfig(doc.config, doc.raw) : '',
    );
    this.db = new Low(this.adapter, null);
  }

  /** Throws InvalidConfigError naming the field. */
  async load(): Promise<void> {
    await removeTempFiles(this.paths.dir);
    try {
      await this.readDoc();
    } catch (err) {
      if (err instanceof InvalidConfigError)
        throw new InvalidConfigError(`${this.paths.relative(this.paths.config)} is invalid: ${err.message}`);
      throw err;
    }
    this.current = this.db.data?.config ?? DEFAULT_CONFIG;
  }

  /** lowdb keeps its old data when the file is gone; a deleted config means defaults. */
  private async readDoc(): Promise<void> {
    await this.db.read();
    if (this.adapter.lastText === null) this.db.data = null;
  }

  get(): Config {
    return this.current;
  }

  update(patch: ConfigPatch): Promise<Config> {
    return this.lock.run('config', async () => {
      try {
        await this.readDoc();
      } catch (err) {
        throw new PreconditionError(
          `${this.paths.relative(this.paths.config)} is malformed (${(err as Error).message}); fix the file, then try again`,
          'invalid-file',
        );
      }
      const base = this.db.data ?? { config: DEFAULT_CONFIG, raw: {} };
      const next = Config.parse({
        ...base.config,
        ...patch,
        models: { ...base.config.models, ...patch.models },
        github: { ...base.config.github, ...patch.github },
      });
      this.db.data = { config: next, raw: base.raw };
      await this.db.write();
      this.ownWrites.wrote(this.paths.config);
      const changed = JSON.stringify(next) !== JSON.stringify(this.current);
      this.current = next;
      this.problems.clear(this.paths.relative(this.paths.config));
      if (changed) this.bus.emit({ type: 'config.updated', config: next });
      return next;
    });
  }

  sync(): Promise<void> {
    return this.lock.run('config', async () => {
      const before = this.adapter.lastText;
      const rel = this.paths.relative(this.paths.config);
      try {
        await this.readDoc();
      } catch (err) {
        this.problems.report(rel, (err as Error).message);
        return;
      }
      this.problems.clear(rel);
      if (this.adapter.lastText === before) return;
      const next = this.db.data?.config ?? DEFAULT_CONFIG;
      if (JSON.stringify(next) === JSON.stringify(this.current)) return;
      this.current = next;
      this.bus.emit({ type: 'config.updated', config: next });
    });
  }
}

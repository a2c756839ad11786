import type { Config, ConfigPatch } from '../../shared/config.js';
import { describeSettings, settingsNeedingTrust, type TrustState } from '../../shared/trust.js';
import { PreconditionError } from '../errors.js';
import type { StudioStore } from '../store/studio-store.js';
import { TrustBook, trustStateOf, untrustedError } from '../store/trust-book.js';

/** Trust in the repo's settings: what the board and `project.info` show, the check before the agent acts, and the person's own changes. */
export class TrustService {
  constructor(
    private readonly store: StudioStore,
    private readonly book = new TrustBook(),
  ) {}

  state(): Promise<TrustState> {
    return trustStateOf(this.store.paths.root, this.store.config.get(), this.book);
  }

  /** Refuses with `untrusted-settings` unless the current values are trusted (or none needs trust). */
  async assertTrusted(): Promise<void> {
    const state = await this.state();
    if (state.state === 'untrusted') throw untrustedError(this.store.paths.root, state);
  }

  /**
   * A person trusts the values the board showed: `hash` is the one it got with them, so a value
   * that changed since (a pull while the banner was up) is not trusted unseen.
   */
  async trust(hash: string): Promise<TrustState> {
    const state = await this.state();
    if (state.state === 'not-needed') return state;
    if (state.hash !== hash)
      throw new PreconditionError(
        `the settings changed since you saw them (a pull or an edit); read them again:\n${describeSettings(state.settings)}`,
        'not-allowed-now',
      );
    await this.book.trust(this.store.paths.root, state.settings);
    return this.state();
  }

  /**
   * `config.update`: a value a person sets is trusted at once. A value that needs trust and
   * came from the file instead (untouched by this patch) is trusted only if it already was.
   */
  async updateConfig(patch: ConfigPatch): Promise<Config> {
    const before = await this.state();
    const next = await this.store.config.update(patch);
    const after = settingsNeedingTrust(next);
    const seen = (key: string, value: unknown) =>
      key in patch || (before.state !== 'untrusted' && before.settings.some((s) => s.key === key && sameValue(s.value, value)));
    if (after.length > 0 && after.every((s) => seen(s.key, s.value))) await this.book.trust(this.store.paths.root, after);
    return next;
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

import type { Principal } from './lib/principal.js';
import type { Services } from './services/services.js';

/** Declared beside createServices; named here too for the edges that build a context. */
export type { Services };

export interface Context {
  services: Services;
  /** Set by the HTTP and WebSocket edges from the token; null when it proves nothing (refused). */
  principal: Principal | null;
}

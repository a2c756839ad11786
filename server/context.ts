import type { Services } from './services/services.js';

/** Declared beside createServices; named here too for the edges that build a context. */
export type { Services };

export interface Context {
  services: Services;
  /** Set by the HTTP and WebSocket edges after checking the token. */
  authed: boolean;
}

import { createSignal } from 'solid-js';

export const TABS = ['description', 'plan', 'activity', 'review', 'changes'] as const;
export type Tab = (typeof TABS)[number];

export type Route = { taskId: string | null; tab: Tab };

function parse(pathname: string): Route {
  const match = pathname.match(/^\/tasks\/([a-z0-9][a-z0-9-]{1,63})(?:\/([a-z]+))?\/?$/);
  if (!match) return { taskId: null, tab: 'description' };
  const tab = TABS.find((t) => t === match[2]) ?? 'description';
  return { taskId: match[1] ?? null, tab };
}

const [route, setRoute] = createSignal<Route>(parse(window.location.pathname));

export { route };

window.addEventListener('popstate', () => setRoute(parse(window.location.pathname)));

function go(path: string, replace: boolean): void {
  if (window.location.pathname === path) return;
  if (replace) window.history.replaceState(null, '', path);
  else window.history.pushState(null, '', path);
  setRoute(parse(path));
}

/** The drawer is a URL (`/tasks/<id>/<tab>`), so it can be linked, reloaded and left with Back. */
export function openTask(id: string, tab: Tab = 'description'): void {
  go(`/tasks/${id}${tab === 'description' ? '' : `/${tab}`}`, route().taskId !== null);
}

export function showTab(tab: Tab): void {
  const id = route().taskId;
  if (id) go(`/tasks/${id}${tab === 'description' ? '' : `/${tab}`}`, true);
}

export function closeTask(): void {
  go('/', false);
}

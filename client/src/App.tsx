import { createEffect, createSignal, lazy, onCleanup, Show } from 'solid-js';
import { Board } from './board/Board.js';
import { ConfirmDialog } from './dialogs/ConfirmDialog.js';
import { CreateTaskDialog } from './dialogs/CreateTaskDialog.js';
import { ImportIssuesDialog } from './dialogs/ImportIssuesDialog.js';
import { SettingsDialog } from './dialogs/SettingsDialog.js';
import { ShortcutsDialog } from './dialogs/ShortcutsDialog.js';
import { Banners } from './header/Banners.js';
import { Header } from './header/Header.js';
import { needsYouCount } from './header/NeedsYou.js';
import { installShortcuts } from './lib/keyboard.js';
import { loaded } from './state/board.js';
import { offlineReason, project } from './state/project.js';
import { route } from './state/route.js';
import { Toasts } from './ui/Toasts.js';

// The drawer (with markdown and the diff view) is a script of its own: the board paints without
// waiting for it, and it is fetched once the board is on screen, before anyone opens a card.
const loadDrawer = () => import('./drawer/TaskDrawer.js');
const TaskDrawer = lazy(() => loadDrawer().then((m) => ({ default: m.TaskDrawer })));

export function App() {
  const [creating, setCreating] = createSignal(false);
  const [settings, setSettings] = createSignal(false);
  const [importing, setImporting] = createSignal(false);
  const [shortcuts, setShortcuts] = createSignal(false);
  let search: HTMLInputElement | undefined;
  createEffect(() => {
    if (loaded()) setTimeout(() => void loadDrawer(), 200);
  });
  createEffect(() => {
    const name = project.info ? `${project.info.name} · OpenCode Studio` : 'OpenCode Studio';
    document.title = needsYouCount() > 0 ? `(${needsYouCount()}) ${name}` : name;
  });
  onCleanup(
    installShortcuts({
      newTask: () => setCreating(true),
      focusSearch: () => {
        search?.focus();
        search?.select();
      },
      showShortcuts: () => setShortcuts(true),
    }),
  );
  return (
    <div class="app" classList={{ offline: offlineReason() !== null }}>
      <Header
        onNewTask={() => setCreating(true)}
        onSettings={() => setSettings(true)}
        onImport={() => setImporting(true)}
        onShortcuts={() => setShortcuts(true)}
        searchRef={(el) => (search = el)}
      />
      <section class="banners" aria-label="Notices">
        <Banners />
      </section>
      <div class="workspace">
        <Board onAdd={() => setCreating(true)} />
        <Show when={route().taskId}>
          <TaskDrawer />
        </Show>
      </div>
      <Show when={creating()}>
        <CreateTaskDialog onClose={() => setCreating(false)} />
      </Show>
      <Show when={importing()}>
        <ImportIssuesDialog onClose={() => setImporting(false)} />
      </Show>
      <Show when={settings()}>
        <SettingsDialog onClose={() => setSettings(false)} />
      </Show>
      <Show when={shortcuts()}>
        <ShortcutsDialog onClose={() => setShortcuts(false)} />
      </Show>
      <ConfirmDialog />
      <Toasts />
    </div>
  );
}

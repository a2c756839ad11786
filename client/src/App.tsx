import { createEffect, createSignal, onCleanup, Show } from 'solid-js';
import { Board } from './board/Board.js';
import { CreateTaskDialog } from './dialogs/CreateTaskDialog.js';
import { SettingsDialog } from './dialogs/SettingsDialog.js';
import { TaskDrawer } from './drawer/TaskDrawer.js';
import { Banners } from './header/Banners.js';
import { Header } from './header/Header.js';
import { needsYouCount } from './header/NeedsYou.js';
import { installShortcuts } from './lib/keyboard.js';
import { connection, project } from './state/project.js';
import { Toasts } from './ui/Toasts.js';

export function App() {
  const [creating, setCreating] = createSignal(false);
  const [settings, setSettings] = createSignal(false);
  let search: HTMLInputElement | undefined;
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
    }),
  );
  return (
    <div class="app" classList={{ offline: connection() === 'reconnecting' }}>
      <Header onNewTask={() => setCreating(true)} onSettings={() => setSettings(true)} searchRef={(el) => (search = el)} />
      <div class="banners">
        <Banners />
      </div>
      <div class="workspace">
        <Board onAdd={() => setCreating(true)} />
        <TaskDrawer />
      </div>
      <Show when={creating()}>
        <CreateTaskDialog onClose={() => setCreating(false)} />
      </Show>
      <Show when={settings()}>
        <SettingsDialog onClose={() => setSettings(false)} />
      </Show>
      <Toasts />
    </div>
  );
}

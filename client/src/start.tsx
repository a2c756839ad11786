import { createSignal, Match, Switch } from 'solid-js';
import { render } from 'solid-js/web';
import type { TasksSnapshot } from '../../shared/api.js';
import { App } from './App.js';
import { forgetToken } from './lib/token.js';
import { NoToken } from './NoToken.js';
import { connectApi } from './state/api.js';
import { startSync } from './state/sync.js';
import { errorText, toast } from './state/toasts.js';

/** Starts the board: live sync from `first` (the snapshot main.ts asked for) and the page. */
export function start(token: string | null, first: Promise<TasksSnapshot | null> | null): void {
  const [access, setAccess] = createSignal<'ok' | 'missing' | 'rejected'>(token ? 'ok' : 'missing');

  // A failure nobody caught still reaches the person, never silent nothing.
  window.addEventListener('unhandledrejection', (e) => {
    e.preventDefault();
    toast(`Something went wrong: ${errorText(e.reason)}`, 'error');
  });

  if (token) {
    const stop = startSync(
      connectApi(token),
      () => {
        stop();
        forgetToken();
        setAccess('rejected');
      },
      first,
    );
  }

  render(
    () => (
      <Switch>
        <Match when={access() === 'ok'}>
          <App />
        </Match>
        <Match when={access() !== 'ok'}>
          <NoToken reason={access() === 'rejected' ? 'rejected' : 'missing'} />
        </Match>
      </Switch>
    ),
    document.getElementById('root')!,
  );
}

import { createSignal, Match, Switch } from 'solid-js';
import { render } from 'solid-js/web';
import { App } from './App.js';
import { forgetToken, takeToken } from './lib/token.js';
import { NoToken } from './NoToken.js';
import { connectApi } from './state/api.js';
import { startSync } from './state/sync.js';
import { errorText, toast } from './state/toasts.js';
import './styles/base.css';
import './styles/ui.css';
import './styles/header.css';
import './styles/board.css';
import './styles/drawer.css';
import './styles/diff.css';

performance.mark('studio:main');
const token = takeToken();
const [access, setAccess] = createSignal<'ok' | 'missing' | 'rejected'>(token ? 'ok' : 'missing');

// A failure nobody caught still reaches the person, never silent nothing.
window.addEventListener('unhandledrejection', (e) => {
  e.preventDefault();
  toast(`Something went wrong: ${errorText(e.reason)}`, 'error');
});

if (token) {
  const stop = startSync(connectApi(token), () => {
    stop();
    forgetToken();
    setAccess('rejected');
  });
}

// The page renders in the next task: by then the snapshot request above is on its way, and the
// server answers it while the page is drawn.
setTimeout(() =>
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
  ),
);

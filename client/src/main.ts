import { takeToken } from './lib/token.js';
import { requestSnapshot } from './state/first-snapshot.js';
import './styles/base.css';
import './styles/ui.css';
import './styles/header.css';
import './styles/board.css';
import './styles/drawer.css';
import './styles/diff.css';

/**
 * The entry is small on purpose: it asks for the tasks at once, so the server answers while the
 * board's script (fetched alongside, see vite.config.ts) is compiled and run.
 */
performance.mark('studio:main');
const token = takeToken();
const snapshot = token ? requestSnapshot(token) : null;
void import('./start.js').then(({ start }) => start(token, snapshot));

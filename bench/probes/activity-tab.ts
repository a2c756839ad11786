/**
 * Opening the drawer's Activity tab on an hours-long session: a task whose log holds N parts (tool
 * calls, running then completed, and a message every tenth), read through the studio's real
 * activity log. Prints, per run, the time from the click to the frame after the rows are drawn,
 * the rows' request, the rows in the DOM and the scroll frames.
 * Usage: tsx bench/probes/activity-tab.ts [--parts 20000] [--runs 5]; needs `npm run build:client`.
 */
import { parseArgs } from 'node:util';
import { measureActivity } from '../../test/browser/board-bench.js';
import { launchBrowser } from '../../test/browser/browser.js';
import { removeTempDirs } from '../../test/helpers/temp-repo.js';

const { values } = parseArgs({
  options: { parts: { type: 'string', default: '20000' }, runs: { type: 'string', default: '5' } },
});
const browser = await launchBrowser();
const runs = [];
try {
  for (let i = 0; i < Number(values.runs); i++) {
    const figures = await measureActivity(browser, Number(values.parts));
    console.log(figures);
    runs.push(figures);
  }
} finally {
  await browser.close();
  await removeTempDirs();
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
console.log(
  `open the Activity tab at ${values.parts} parts: median ${median(runs.map((r) => r.openMs)).toFixed(0)} ms ` +
    `(rows' request ${median(runs.map((r) => r.requestMs)).toFixed(0)} ms), ` +
    `scroll p95 frame ${median(runs.map((r) => r.scrollP95Ms)).toFixed(0)} ms, ${runs[0]?.rowsInDom} rows in the DOM`,
);

import type { Page } from 'playwright-core';

/**
 * Times a drag and drop as a person does it: the pointer moves once a frame, and the page
 * records every frame from the press to the frame that shows the drop. Used by `npm run bench`
 * (bench/board.ts) and the browser tests. Page scripts are strings: under tsx (the bench runs
 * there) esbuild wraps named functions in a `__name` helper that does not exist in the page.
 */

const START = `(() => {
  const rec = { frames: [], droppedAt: null, paintedAt: null, stop: false };
  window.__dropTiming = rec;
  const tick = (now) => {
    rec.frames.push(now);
    if (!rec.stop) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  // Registered before the board's own listener, so it runs first; the frame it waits for comes
  // after the board has handled the drop in the same dispatch.
  window.addEventListener('pointerup', (e) => {
    rec.droppedAt = e.timeStamp;
    requestAnimationFrame(() => setTimeout(() => { rec.paintedAt = performance.now(); }));
  }, { once: true });
})()`;

const FINISH = `new Promise((resolve) => {
  const rec = window.__dropTiming;
  const done = () => {
    if (rec.paintedAt === null) return setTimeout(done, 5);
    rec.stop = true;
    const gaps = rec.frames.slice(1).map((t, i) => t - rec.frames[i]);
    resolve({ dropMs: rec.paintedAt - rec.droppedAt, gaps });
  };
  done();
})`;

const NEXT_FRAME = 'new Promise((resolve) => requestAnimationFrame(() => resolve(null)))';

export type DropFigures = {
  /** Pointer released to the frame that shows the card in its new place. */
  dropMs: number;
  /** Every frame interval from the press to that frame. */
  frameGaps: number[];
  /** Where the dragged card sits after the drop (its `data-index`), to check the drop landed. */
  landedAt: number;
  taskId: string;
};

/**
 * Drags the card at index `from` of `column` onto the lower half of the card at index `to`
 * (below it: the card lands at index `to`), in `steps` pointer moves, one a frame.
 */
export async function timeDrop(page: Page, column: string, from: number, to: number, steps = 20): Promise<DropFigures> {
  const list = page.locator(`[data-column="${column}"] [data-list]`);
  const card = list.locator(`[data-index="${from}"]`);
  const taskId = (await card.getAttribute('data-task-id')) ?? '';
  const a = await card.boundingBox();
  const b = await list.locator(`[data-index="${to}"]`).boundingBox();
  if (!a || !b) throw new Error(`cards ${from} and ${to} of ${column} are not on screen`);
  const start = { x: a.x + a.width / 2, y: a.y + a.height / 2 };
  const end = { x: b.x + b.width / 2, y: b.y + b.height * 0.75 };
  await page.mouse.move(start.x, start.y);
  await page.evaluate(START);
  await page.mouse.down();
  for (let i = 1; i <= steps; i++) {
    const t = i / steps;
    await page.mouse.move(start.x + (end.x - start.x) * t, start.y + (end.y - start.y) * t);
    await page.evaluate(NEXT_FRAME);
  }
  await page.mouse.up();
  const { dropMs, gaps } = await page.evaluate<{ dropMs: number; gaps: number[] }>(FINISH);
  const landed = await page.locator(`[data-column="${column}"] [data-task-id="${taskId}"]`).getAttribute('data-index');
  return { dropMs, frameGaps: gaps, landedAt: Number(landed), taskId };
}

import fs from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { startStudio } from '../helpers/studio.js';
import { waitFor } from '../helpers/wait.js';
import { useBoardBrowser } from './board-session.js';
import { cardNamed, dragCard, screenshot } from './browser.js';

const session = useBoardBrowser();

const card = (page: Page, title: string) => cardNamed(page, title);

async function centre(locator: ReturnType<Page['locator']>) {
  const box = await locator.boundingBox();
  if (!box) throw new Error('element is not visible');
  return { x: box.x + box.width / 2, y: box.y + Math.min(box.height / 2, 40) };
}

describe('dependencies on the board', () => {
  it('the drawer picks a dependency by search, the card says what blocks it, and a drag to Planning snaps back saying why', async () => {
    const { studio, client, root } = await startStudio();
    const schema = await client.tasks.create.mutate({ title: 'Design the schema' });
    const api = await client.tasks.create.mutate({ title: 'Build the API' });
    const { page } = await session.open(studio, { path: `/tasks/${api.id}` });
    await page.getByTestId('drawer-title').filter({ hasText: 'Build the API' }).waitFor();

    const deps = page.getByTestId('dependencies');
    await deps.getByRole('searchbox', { name: 'Search tasks to depend on' }).fill('schem');
    await deps.getByRole('button', { name: /Design the schema/ }).click();
    await deps.getByTestId('dependency').filter({ hasText: 'Design the schema' }).waitFor();
    await deps.getByRole('checkbox', { name: 'Start by itself when these are Done' }).check();
    await waitFor(async () => (await client.tasks.get.query({ id: api.id })).task.autoStart, 'autoStart saved');
    const file = JSON.parse(await fs.readFile(`${root}/.opencode-studio/tasks/${api.id}.json`, 'utf8'));
    expect(file).toMatchObject({ dependsOn: [schema.id], autoStart: true });
    await screenshot(page, 'drawer-dependencies');

    // The search does not offer the task itself nor one it already depends on.
    await deps.getByRole('searchbox').fill('build');
    expect(await deps.getByRole('button', { name: /Build the API/ }).count()).toBe(0);
    await deps.getByRole('searchbox').fill('');

    await page.keyboard.press('Escape');
    const blocked = card(page, 'Build the API').getByTestId('card-blocked');
    expect(await blocked.textContent()).toContain('Blocked by Design the schema');
    await dragCard(page, await centre(card(page, 'Build the API')), await centre(page.getByTestId('column-planning')));
    await page.getByTestId('toast').filter({ hasText: 'is blocked: it waits for "Design the schema"' }).waitFor();
    expect(await page.locator('[data-column="planning"] [data-task-id]').count()).toBe(0);
    expect((await client.tasks.get.query({ id: api.id })).task.status).toBe('todo');

    // A dependency removed in the drawer unblocks the card.
    await page.waitForTimeout(400); // the click right after a drag belongs to the drag (client/src/board/drag.ts)
    await card(page, 'Build the API').click();
    await deps.getByRole('button', { name: 'Remove the dependency on Design the schema' }).click();
    await page.keyboard.press('Escape');
    await blocked.waitFor({ state: 'detached' });
    expect((await client.tasks.get.query({ id: api.id })).task.dependsOn ?? []).toEqual([]);
  });

  it('a cycle made by editing task files by hand raises the banner naming the files, and both cards stay blocked', async () => {
    const { studio, client, root } = await startStudio();
    const a = await client.tasks.create.mutate({ title: 'Left' });
    const b = await client.tasks.create.mutate({ title: 'Right', dependsOn: [a.id] });
    const { page } = await session.open(studio);
    await card(page, 'Right').getByTestId('card-blocked').waitFor();
    const file = `${root}/.opencode-studio/tasks/${a.id}.json`;
    const text = JSON.parse(await fs.readFile(file, 'utf8'));
    await fs.writeFile(file, `${JSON.stringify({ ...text, dependsOn: [b.id] }, null, 2)}\n`);
    const banner = page.locator('[data-kind="dependency-cycle"]');
    await banner.waitFor();
    expect(await banner.textContent()).toContain(`.opencode-studio/tasks/${a.id}.json, .opencode-studio/tasks/${b.id}.json`);
    await card(page, 'Left').getByTestId('card-blocked').waitFor();
    expect(await card(page, 'Left').getByTestId('card-blocked').textContent()).toContain('Blocked by Right');
    await fs.writeFile(file, `${JSON.stringify({ ...text, dependsOn: [] }, null, 2)}\n`);
    await banner.waitFor({ state: 'detached' });
  });
});

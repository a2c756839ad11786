import { describe, expect, it } from 'vitest';
import { FakeAgent, fakeAgentStudio } from '../helpers/fake-agent.js';
import { startStudio } from '../helpers/studio.js';
import { waitFor } from '../helpers/wait.js';
import { useBoardBrowser } from './board-session.js';
import { cardNamed } from './browser.js';

const session = useBoardBrowser();

describe('a stalled phase on the board', () => {
  it('the card says "no output for 5 min", counts in need-you, and Retry stops it and runs the phase again', async () => {
    // The fake planning phase reports 5 minutes without output, then hangs until it is stopped.
    const agent = new FakeAgent({ planning: [{ text: '', stallFor: 5 * 60_000 }] });
    const { studio, client } = await startStudio({ agent: fakeAgentStudio(agent) });
    const task = await client.tasks.create.mutate({ title: 'Write the changelog' });
    await client.tasks.start.mutate({ id: task.id });
    const { page } = await session.open(studio);

    const card = cardNamed(page, 'Write the changelog');
    await card.getByTestId('run-state').filter({ hasText: 'no output for 5 min' }).waitFor();
    await page.getByTestId('needs-you').filter({ hasText: '1 needs you' }).waitFor();

    await card.click();
    await page.getByRole('button', { name: 'Abort' }).waitFor();
    await page.getByRole('button', { name: 'Retry' }).click();
    const planned = await waitFor(async () => {
      const { task: now } = await client.tasks.get.query({ id: task.id });
      return now.status === 'plan_review' && !now.run ? now : null;
    }, 'the retried planning to reach Plan review');
    expect(planned.run).toBeNull();
    expect(agent.calls.map((c) => c.phase)).toEqual(['planning', 'planning']);
    await card.getByTestId('run-state').filter({ hasText: 'no output' }).waitFor({ state: 'detached' });
  });
});

import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { failureOf, reasonOf } from '../helpers/failure.js';
import { fakeAgentStudio } from '../helpers/fake-agent.js';
import { startStudio, stopStudios } from '../helpers/studio.js';
import { removeTempDirs } from '../helpers/temp-repo.js';
import { waitFor } from '../helpers/wait.js';

afterEach(stopStudios);
afterAll(removeTempDirs);

describe('devServer refusals', () => {
  it('no command set, no worktree yet, an untrusted command, no agent: each refused with no-dev-server and a message that says what to do', async () => {
    const { client, root } = await startStudio({ agent: fakeAgentStudio() });
    const task = await client.tasks.create.mutate({ title: 'Not started' });
    expect(await failureOf(client.devServer.run.mutate({ id: task.id }))).toMatch(
      /add the command to the settings \(devServer\)/,
    );
    await client.config.update.mutate({ devServer: 'node server.cjs' });
    expect(await reasonOf(client.devServer.run.mutate({ id: task.id }))).toBe('no-dev-server');
    expect(await failureOf(client.devServer.run.mutate({ id: task.id }))).toMatch(/no worktree yet.*start it first/);
    expect(await client.devServer.get.query({ id: task.id })).toMatchObject({ state: 'stopped', port: null, url: null });
    // Stop with nothing running is fine and changes nothing.
    expect(await client.devServer.stop.mutate({ id: task.id })).toMatchObject({ state: 'stopped' });
    expect(await reasonOf(client.devServer.get.query({ id: 'no-such-task-aaaaaa' }))).toBe('not-found');
    expect(await reasonOf(client.devServer.run.mutate({ id: '../etc' }))).toBe('invalid-input');
    await expect(client.config.update.mutate({ portRange: [4300, 4200] })).rejects.toThrow(/low <= high/);
    await expect(client.config.update.mutate({ devServer: '  ' })).rejects.toThrow(/must not be empty/);

    // A devServer that came with the repository (a hand edit, a pull) runs nothing until this user trusts it.
    const file = path.join(root, '.opencode-studio', 'config.json');
    const config = JSON.parse(await fs.readFile(file, 'utf8'));
    await fs.writeFile(file, `${JSON.stringify({ ...config, devServer: 'touch pwned' }, null, 2)}\n`);
    await waitFor(async () => (await client.config.get.query()).devServer === 'touch pwned', 'the hand edit to load');
    expect(await reasonOf(client.devServer.run.mutate({ id: task.id }))).toBe('untrusted-settings');
    expect(await failureOf(client.devServer.run.mutate({ id: task.id }))).toMatch(/devServer/);
    const info = await client.project.info.query();
    expect(info.trust.settings.map((s) => s.key)).toContain('devServer');

    const bare = await startStudio();
    const other = await bare.client.tasks.create.mutate({ title: 'No agent here' });
    expect(await reasonOf(bare.client.devServer.run.mutate({ id: other.id }))).toBe('no-dev-server');
  });
});

import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { reasonOf } from '../helpers/failure.js';
import { startStudio, stopStudios } from '../helpers/studio.js';
import { removeTempDirs, tempRepo } from '../helpers/temp-repo.js';

afterEach(stopStudios);
afterAll(removeTempDirs);

describe('trust through the API', () => {
  async function studioWithCommittedConfig(config: Record<string, unknown>) {
    const root = await tempRepo();
    await fs.mkdir(path.join(root, '.opencode-studio'));
    await fs.writeFile(path.join(root, '.opencode-studio/config.json'), JSON.stringify({ version: 1, ...config }));
    return startStudio({ root });
  }

  it('a value a person sets is trusted; one that came from the file and was not touched is not', async () => {
    const { client } = await studioWithCommittedConfig({ worktreeSetup: ['./install.sh'] });
    const state = async () => (await client.project.info.query()).trust.state;
    expect(await state()).toBe('untrusted');
    // Changing something else does not trust the file's command.
    await client.config.update.mutate({ maxParallel: 2 });
    expect(await state()).toBe('untrusted');
    // Setting the command yourself does.
    await client.config.update.mutate({ worktreeSetup: ['./install.sh --offline'] });
    expect(await state()).toBe('trusted');
    // Now everything is trusted, so a value you add beside it keeps it so.
    await client.config.update.mutate({ permission: { bash: 'allow' } });
    expect(await state()).toBe('trusted');
    await client.config.update.mutate({ mcp: true });
    expect(await state()).toBe('trusted');
  });

  it('a value you add beside an untrusted one from the file does not trust the file’s value', async () => {
    const { client } = await studioWithCommittedConfig({ worktreeSetup: ['./install.sh'] });
    await client.config.update.mutate({ mcp: true });
    const trust = (await client.project.info.query()).trust;
    expect(trust.state).toBe('untrusted');
    expect(trust.settings.map((s) => s.key)).toEqual(['worktreeSetup', 'mcp']);
  });

  it('project.trust records exactly the values it was shown (by hash); a stale hash is refused', async () => {
    const { client } = await studioWithCommittedConfig({ permission: { bash: 'allow' } });
    const before = (await client.project.info.query()).trust;
    expect(before).toMatchObject({ state: 'untrusted', settings: [{ key: 'permission', value: { bash: 'allow' } }] });
    expect(await reasonOf(client.project.trust.mutate({ hash: 'sha256:stale' }))).toBe('not-allowed-now');
    expect((await client.project.info.query()).trust.state).toBe('untrusted');
    expect(await client.project.trust.mutate({ hash: before.hash! })).toMatchObject({ state: 'trusted' });
    // Nothing needs trust: nothing to refuse, nothing to record.
    const plain = await startStudio();
    expect((await plain.client.project.info.query()).trust).toEqual({ state: 'not-needed', hash: null, settings: [] });
  });
});

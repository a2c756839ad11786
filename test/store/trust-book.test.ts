import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TrustBook, trustHash } from '../../server/store/trust-book.js';
import { Config } from '../../shared/config.js';
import { settingsNeedingTrust } from '../../shared/trust.js';
import { removeTempDirs, tempDir } from '../helpers/temp-repo.js';

afterAll(removeTempDirs);

describe('the trust book', () => {
  it('keeps records in a 0600 file keyed by root and hash, forgets them on revoke, and trusts nothing from a broken file', async () => {
    const file = path.join(await tempDir('studio-trust-'), 'opencode-studio', 'trust.json');
    const book = new TrustBook(file);
    const settings = settingsNeedingTrust(Config.parse({ worktreeSetup: ['make'] }));
    expect(await book.isTrusted('/repo', trustHash(settings))).toBe(false);
    await book.trust('/repo', settings);
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    expect((await fs.stat(path.dirname(file))).mode & 0o077).toBe(0);
    expect(await book.isTrusted('/repo', trustHash(settings))).toBe(true);
    expect(await book.isTrusted('/other-repo', trustHash(settings))).toBe(false);
    expect(JSON.parse(await fs.readFile(file, 'utf8')).trusted[0]).toMatchObject({
      root: '/repo',
      settings: { worktreeSetup: ['make'] },
    });
    // A file someone widened is narrowed again by the next write.
    await fs.chmod(file, 0o644);
    await book.trust('/other-repo', settings);
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    expect(await book.revoke('/repo')).toBe(1);
    expect(await book.isTrusted('/repo', trustHash(settings))).toBe(false);
    expect(await book.isTrusted('/other-repo', trustHash(settings))).toBe(true);

    await fs.writeFile(file, '{ not json');
    expect(await book.isTrusted('/other-repo', trustHash(settings))).toBe(false);
    await expect(book.trust('/repo', settings)).rejects.toMatchObject({ reason: 'invalid-file' });
    expect(await fs.readFile(file, 'utf8')).toBe('{ not json');
  });
});

import { describe, expect, it } from 'vitest';
import { summarizeChecks } from '../../server/github/checks.js';
import { apiBaseForHost, parseRemoteUrl, webHostOfApi } from '../../server/github/remote-url.js';

describe('owner and name from a remote URL', () => {
  it.each([
    ['https://github.com/octo/widgets.git', 'github.com', 'octo', 'widgets'],
    ['https://github.com/octo/widgets', 'github.com', 'octo', 'widgets'],
    ['https://user:pw@github.example.com/team/app.git/', 'github.example.com', 'team', 'app'],
    ['ssh://git@github.com:22/octo/widgets.git', 'github.com', 'octo', 'widgets'],
    ['git@github.com:octo/widgets.git', 'github.com', 'octo', 'widgets'],
    ['github.com:octo/my.repo', 'github.com', 'octo', 'my.repo'],
  ])('%s', (url, host, owner, name) => {
    expect(parseRemoteUrl(url)).toEqual({ host, owner, name });
  });

  it.each(['/srv/git/widgets.git', 'file:///srv/git/widgets.git', '../widgets', 'https://github.com/octo', 'nonsense'])(
    'not a forge URL: %s',
    (url) => {
      expect(parseRemoteUrl(url)).toBeNull();
    },
  );

  it('maps API bases and web hosts, github.com and Enterprise', () => {
    expect(apiBaseForHost('github.com')).toBe('https://api.github.com');
    expect(apiBaseForHost('ghe.corp')).toBe('https://ghe.corp/api/v3');
    expect(webHostOfApi('https://api.github.com')).toBe('github.com');
    expect(webHostOfApi('https://ghe.corp/api/v3')).toBe('ghe.corp');
  });
});

describe('checks summed up', () => {
  it('failing beats pending beats passing; none when there are none', () => {
    expect(summarizeChecks([], []).state).toBe('none');
    const ok = { name: 'a', status: 'completed', conclusion: 'success' };
    const skipped = { name: 'b', status: 'completed', conclusion: 'skipped' };
    const running = { name: 'c', status: 'in_progress', conclusion: null };
    expect(summarizeChecks([ok, skipped], []).state).toBe('passing');
    expect(summarizeChecks([ok, running], []).state).toBe('pending');
    expect(summarizeChecks([ok, running], [{ context: 'd', state: 'error' }]).state).toBe('failing');
  });
});

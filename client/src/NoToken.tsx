export function NoToken(props: { reason: 'missing' | 'rejected' }) {
  return (
    <main class="no-token" data-testid="no-token">
      <img src="/icon.svg" alt="" width="48" height="48" />
      <h1>{props.reason === 'missing' ? 'This page needs its access link' : 'The access token is no longer valid'}</h1>
      <p>
        Open the link printed by <code>opencode-studio</code> (it carries the access token).
        {props.reason === 'rejected'
          ? ' The token of this checkout was replaced (opencode-studio --new-token), so older links stop working.'
          : ''}
      </p>
      <p class="muted">
        Scripts find the current URL and token in <code>.opencode-studio/runtime/server.json</code>.
      </p>
    </main>
  );
}

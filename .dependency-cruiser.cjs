/**
 * The layers of the code, lowest first. A module may import from its own layer and from any
 * layer below it, never from one above: `npm run lint:layers` (part of `npm test`) fails on an
 * upward import. docs/architecture.md explains each layer; CONTRIBUTING.md says where new code goes.
 */
const LAYERS = [
  { name: 'shared', path: '^shared/' },
  { name: 'lib', path: '^server/(lib/|errors\\.ts$|version\\.ts$)' },
  { name: 'store/git/events', path: '^server/(store|git|events)/' },
  { name: 'opencode', path: '^server/opencode/' },
  { name: 'orchestrator', path: '^server/orchestrator/' },
  { name: 'services', path: '^server/services/' },
  { name: 'routers', path: '^server/(routers/|context\\.ts$|trpc\\.ts$)' },
  { name: 'edge', path: '^server/(http|cli|mcp|access|demo)/|^server/(index|script-client)\\.ts$' },
];

const upward = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `no-upward-from-${layer.name.replaceAll('/', '-')}`,
  comment: `${layer.name} sits below ${LAYERS.slice(i + 1)
    .map((l) => l.name)
    .join(', ')}: it may not import from them (move the shared piece down, or pass it in)`,
  severity: 'error',
  from: { path: layer.path },
  to: {
    path: LAYERS.slice(i + 1)
      .map((l) => `(${l.path})`)
      .join('|'),
  },
}));

module.exports = {
  forbidden: [
    ...upward,
    {
      name: 'client-only-types-from-server',
      comment: 'the board imports only types from server/ (the AppRouter type); everything else comes from shared/',
      severity: 'error',
      from: { path: '^client/' },
      to: { path: '^server/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'shared-and-server-not-from-client',
      comment: 'shared/ and server/ never import the board',
      severity: 'error',
      from: { path: '^(shared|server)/' },
      to: { path: '^client/' },
    },
    {
      name: 'no-circular-between-layers',
      comment: 'a cycle that crosses folders makes the order meaningless',
      severity: 'error',
      from: { path: '^(shared|server)/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};

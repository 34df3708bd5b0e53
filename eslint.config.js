// Type-aware lint: a floating promise in a daemon is a lost error.
import tseslint from 'typescript-eslint';

// Import layers: each directory of src/ may import only the directories listed for it (and
// itself). Arrows point down only; a lower layer never knows a higher one. The README's layer
// table is this object.
const LAYERS = {
  domain: [],
  lib: ['domain'],
  // The Mesos v1 messages: one typed decode/encode each; everything above speaks through it.
  wire: ['lib', 'domain'],
  consensus: ['lib', 'domain'],
  registry: ['consensus', 'wire', 'lib', 'domain'],
  containerizer: ['lib', 'domain'],
  // Cluster identity: the CA, node certificates, join tokens (pure), and the keeper that
  // bootstraps the CA through the registry.
  security: ['registry', 'lib', 'domain'],
  master: ['registry', 'wire', 'lib', 'domain'],
  agent: ['containerizer', 'wire', 'lib', 'domain'],
  ha: ['master', 'registry', 'consensus', 'lib', 'domain'],
  // A v1 scheduler API client (framework side): transports in-process and over HTTP.
  'scheduler-client': ['wire', 'lib', 'domain'],
  // The built-in Marathon-compatible services scheduler: a framework through scheduler-client, state in the registry.
  services: ['scheduler-client', 'registry', 'wire', 'lib', 'domain'],
  api: ['ui', 'security', 'services', 'master', 'agent', 'registry', 'consensus', 'wire', 'lib', 'domain'],
  roles: ['ha', 'api', 'security', 'services', 'scheduler-client', 'master', 'agent', 'containerizer', 'registry', 'consensus', 'wire', 'lib', 'domain'],
  cli: ['roles', 'security', 'ha', 'consensus', 'lib', 'domain'],
  // The web UI: browser code in ui/app (talks to the cluster only over HTTP) and the module that
  // serves its embedded build (ui/assets.ts); api mounts it.
  ui: [],
};
const DIRECTORIES = [...Object.keys(LAYERS), 'main'];

/** Relative imports into `dir` from anywhere under src/ (`../dir/x.js`, `../../dir/sub/x.js`). */
const into = (dir) => `^(\\.\\./)+${dir}(/|\\.js$)`;

const layerPatterns = (layer) =>
  DIRECTORIES.filter((d) => d !== layer && !LAYERS[layer].includes(d)).map((d) => ({
    regex: into(d),
    message: `layers: src/${layer} may import only ${LAYERS[layer].join(', ') || 'nothing else'} (eslint.config.js LAYERS)`,
  }));

// Every outgoing request goes through lib/http-client.ts (HttpClient), so TLS lands in one place.
const NO_RAW_HTTP = ['node:http', 'node:https', 'http', 'https'].map((name) => ({
  name, allowTypeImports: true, message: 'outgoing requests go through HttpClient (src/lib/http-client.ts); servers through src/lib/http-server.ts',
}));

// Roles are composition roots: only the CLI's `up` command (and tests) may load them.
// roles/config.ts is plain data and types, so the whole CLI may use it.
const ROLES_ONLY_FROM_UP = {
  regex: '^\\.\\./roles/(?!config\\.js$)', allowTypeImports: true,
  message: 'roles are composition roots; only src/cli/up.ts loads them (roles/config.ts is free to use)',
};

const restrict = (patterns, paths = NO_RAW_HTTP) => ({ '@typescript-eslint/no-restricted-imports': ['error', { paths, patterns }] });

export default tseslint.config(
  { ignores: ['node_modules/**', 'build/out/**', 'dist/**', 'build/*.mjs', 'bench/*.mjs', 'eslint.config.js'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/only-throw-error': 'error',
    },
  },
  // One block per layer (a later block replaces the rule's options, it does not merge them).
  ...Object.keys(LAYERS).map((layer) => ({
    files: [`src/${layer}/**/*.ts`],
    rules: restrict(layerPatterns(layer)),
  })),
  { files: ['src/cli/**/*.ts'], ignores: ['src/cli/up.ts'], rules: restrict([...layerPatterns('cli'), ROLES_ONLY_FROM_UP]) },
  { files: ['src/main.ts'], rules: restrict(DIRECTORIES.filter((d) => d !== 'cli' && d !== 'main').map((d) => ({ regex: `^\\./${d}/`, message: 'main builds the CLI and runs it; nothing else' }))) },
  {
    // Browser code: no Node, nothing of the server (not even src/ui's own serving modules).
    files: ['src/ui/app/**/*.ts', 'src/ui/app/**/*.tsx'],
    rules: restrict([
      ...layerPatterns('ui'),
      { group: ['node:*', 'hono', 'hono/*', 'zod', 'better-sqlite3'], message: 'src/ui/app is browser code: it talks to the cluster over HTTP only' },
      { regex: '^\\.\\./(\\.\\./)*(assets|bundle|embedded)\\.js$', message: 'src/ui/app is browser code: the serving modules are Node' },
    ], []),
  },
  // The only places that speak node:http themselves.
  { files: ['src/lib/http-client.ts', 'src/lib/http-server.ts'], rules: restrict(layerPatterns('lib'), []) },
  {
    // The pure Raft core must not reach the clock, randomness, sockets or disk.
    files: ['src/consensus/core/**/*.ts'],
    rules: {
      ...restrict([
        ...layerPatterns('consensus'),
        { group: ['node:*', 'better-sqlite3', 'hono', '**/lib/*'], message: 'the Raft core is pure: inputs in, messages out' },
        { regex: '^\\.\\./(?!core/)[^.]', message: 'the Raft core is pure: it imports nothing of the driver around it' },
      ], []),
      'no-restricted-globals': ['error', 'Date', 'setTimeout', 'setInterval', 'performance'],
      'no-restricted-properties': ['error', { object: 'Math', property: 'random' }],
    },
  },
);

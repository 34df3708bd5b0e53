// Type-aware lint: a floating promise in a daemon is a lost error.
import tseslint from 'typescript-eslint';

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
  {
    // Roles are composition roots: only the CLI's `up` command (and tests) may import them.
    files: ['src/**/*.ts'],
    ignores: ['src/cli/up.ts', 'src/roles/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['**/roles/*'], message: 'roles are composition roots; only src/cli/up.ts imports them' },
      ] }],
    },
  },
  {
    // The pure Raft core must not reach the clock, randomness, sockets or disk.
    files: ['src/consensus/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['node:*', 'better-sqlite3', 'hono', '**/lib/*'], message: 'the Raft core is pure: inputs in, messages out' },
      ] }],
      'no-restricted-globals': ['error', 'Date', 'setTimeout', 'setInterval', 'performance'],
      'no-restricted-properties': ['error', { object: 'Math', property: 'random' }],
    },
  },
);

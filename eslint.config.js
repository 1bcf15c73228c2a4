// Guard rails, run by `npm test` (scripts/hearth.sh): promises are never dropped silently, nothing logs to the
// console, and the layers keep their boundaries (see README, "Map"):
//   views and components only render: they never import the signaling client, media or encryption;
//   server/src/room never imports mediasoup, socket.io, the media module, signaling or the app;
//   shared's domain machines never import the wire protocol; the vocabulary imports nothing.
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';

const restrict = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });
const group = (group, message) => ({ group, message });

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'server/scripts/**', '**/*.config.*', '.ci/**'] },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: {
        project: ['shared/tsconfig.test.json', 'server/tsconfig.json', 'client/tsconfig.json', 'tests/tsconfig.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      'no-console': 'error',
    },
  },
  ...svelte.configs['flat/base'],
  {
    // Svelte 5 view-models (runes) are TypeScript read by the Svelte parser: keep the typed rules for them.
    files: ['**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser, project: ['client/tsconfig.json'], tsconfigRootDir: import.meta.dirname } },
  },
  {
    files: ['**/*.svelte'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
    rules: { 'no-console': 'error' },
  },
  {
    files: ['client/src/views/**', 'client/src/components/**'],
    rules: restrict([
      group(['**/connection/**', '**/media/**', '**/e2ee/**', 'socket.io-client', 'mediasoup-client'],
        'Views only render: reach signaling, media and encryption through a model in client/src/state.'),
    ]),
  },
  {
    files: ['server/src/room/**'],
    ignores: ['server/src/room/**/*.test.ts'],
    rules: restrict([
      group(['**/media/**', '**/signaling/**', '**/app/**', 'mediasoup', 'mediasoup/**', 'socket.io', 'fastify'],
        'The room is the session authority: it reaches media and connections only through ports (room/ports.ts).'),
    ]),
  },
  {
    files: ['shared/src/domain/**'],
    ignores: ['shared/src/domain/**/*.test.ts'],
    rules: restrict([group(['**/protocol/**'], 'Domain machines build on the vocabulary, never on the wire protocol.')]),
  },
  {
    files: ['shared/src/vocabulary/**'],
    rules: restrict([group(['../**', '@sinclair/**'], 'The vocabulary is a leaf: it imports nothing.')]),
  },
  {
    // The benchmark prints its tables; that is its job.
    files: ['tests/bench/**'],
    rules: { 'no-console': 'off' },
  },
  {
    // Browser tests on shaped links print what they measured (console.info), beside the bound they assert.
    files: ['tests/e2e/**'],
    rules: { 'no-console': ['error', { allow: ['info'] }] },
  },
);

import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist', 'dist-*', 'node_modules', 'public', 'test-results', 'playwright-report'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser, ...globals.worker, ...globals.node } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The pure core must stay portable: no DOM, React, idb or tfjs.
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            'react*',
            'idb',
            '@tensorflow/*',
            'comlink',
            '../data/*',
            '../engine/*',
            '../store/*',
            '../ui/*',
          ],
        },
      ],
    },
  },
  {
    // The UI reaches the workers through their contract alone: workers/api.ts, and the worker APIs as
    // types (each worker is its own bundle); engine and models code is tfjs and stays in the workers.
    files: ['src/ui/**/*.{ts,tsx}'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/workers/*', '!**/workers/api', '!**/workers/*.worker'],
              message: 'The UI imports worker code only from workers/api.ts (the UI <-> worker contract).',
            },
            {
              group: ['**/workers/*.worker'],
              allowTypeImports: true,
              message: 'A worker runs in its own bundle: the UI imports its API with `import type` only.',
            },
            {
              group: ['**/engine/*', '**/models/*', '@tensorflow/*'],
              message: 'tfjs code stays in the workers: the UI gets its types through workers/api.ts.',
            },
          ],
        },
      ],
    },
  },
  {
    // Files stay small enough to read whole: split by responsibility before one grows past 400 lines.
    // Every line counts (blank and comment lines too), so the limit agrees with `wc -l`.
    files: ['{src,bench,tools,e2e}/**/*.{ts,tsx}'],
    rules: { 'max-lines': ['error', { max: 400, skipBlankLines: false, skipComments: false }] },
  },
  {
    // Only src/store opens IndexedDB.
    files: ['src/{core,data,engine,models,ui,workers}/**/*.{ts,tsx}'],
    ignores: ['src/store/**'],
    rules: { 'no-restricted-imports': ['error', { paths: ['idb'] }] },
  },
);

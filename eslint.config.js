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
    // Files stay small enough to read whole: split by responsibility before one grows past 400 lines.
    // Every line counts (blank and comment lines too), so the limit agrees with `wc -l`.
    files: ['{src,bench,tools,e2e}/**/*.{ts,tsx}'],
    rules: { 'max-lines': ['error', { max: 400, skipBlankLines: false, skipComments: false }] },
  },
  {
    // bench/train.ts is being split below 400 lines by the reliability work; drop this override then.
    files: ['bench/train.ts'],
    rules: { 'max-lines': 'off' },
  },
  {
    // Only src/store opens IndexedDB.
    files: ['src/{core,data,engine,models,ui,workers}/**/*.{ts,tsx}'],
    ignores: ['src/store/**'],
    rules: { 'no-restricted-imports': ['error', { paths: ['idb'] }] },
  },
);

// One lint run for the whole tree: type-aware TypeScript rules, plus a purity fence around every pure core (test/unit/layering.test.ts checks the imports between folders).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.data/**', 'bench/results/**', 'eslint.config.js'] },
  js.configs.recommended,
  { files: ['bin/*.js'], languageOptions: { globals: { process: 'readonly' } } },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['bin/*.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-expressions': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // Every core is a pure state machine or function: no clocks, no randomness, no I/O, no NATS.
    files: [
      'actors/**/core/**/*.ts',
      'scripts/**/core/**/*.ts',
      'ops/**/core/**/*.ts',
      'actors/processing/email/**/*.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            'node:*',
            '@nats-io/*',
            'fs',
            'path',
            'winston',
            'prom-client',
            'openai',
            'agentmail',
            'fastify',
            'svix',
          ],
        },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'time comes in as input' },
        { object: 'Math', property: 'random', message: 'randomness is injected' },
        { object: 'performance', property: 'now', message: 'time comes in as input' },
      ],
      'no-restricted-globals': ['error', 'setTimeout', 'setInterval', 'setImmediate', 'process', 'fetch'],
      'no-restricted-syntax': [
        'error',
        { selector: "NewExpression[callee.name='Date']", message: 'time comes in as input' },
      ],
    },
  },
);

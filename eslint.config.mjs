// Lint rules: typescript-eslint's recommended set; formatting is prettier's job.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', '.data/', 'test-artifacts/', 'dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Jest loads its reporter and sequencer as CommonJS modules; Node preloads the bench's profiler hook as one.
    files: ['test/support/*.js', 'bench/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Tests inspect JSON responses field by field; typing every response shape would add noise, not safety.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // The worker bundles workflows/ into a deterministic sandbox: no Node built-ins or I/O modules there.
    // Type-only imports (the activity interfaces for proxyActivities) are erased and allowed.
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                'node:*',
                '../activities/*',
                '../db/*',
                '../api/*',
                '../mail/*',
                '../pki/*',
                '../infra/*',
                '../usecases/*',
                '../seed/*',
                '../platform/*',
              ],
              message: 'workflows are deterministic: import only domain/ and type-only activity interfaces',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
);

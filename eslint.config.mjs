// ESLint (flat config) with typescript-eslint; formatting is Prettier's job (.prettierrc.json).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.data*/', '**/*.js', '**/*.mjs', '!public/**/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // `_name` marks a deliberately unused parameter or destructured field (stripping a key from an object)
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
      // the server logs through pino (src/logging); a console call there would bypass levels and redaction
      'no-console': 'error',
    },
  },
  {
    // command-line entry points: they print to the terminal before (or instead of) the logger
    files: ['src/main.ts', 'src/demo.ts', 'src/openapi-dump.ts', 'src/config/config.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'src/**/*.spec.ts'],
    rules: {
      // tests and the benchmark print their findings to the terminal on purpose
      'no-console': 'off',
      // tests read untyped JSON wire bodies (supertest's `body` is `any` already)
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    // the console's browser scripts (plain ES2017 scripts, no modules, no build): see docs/console.md
    files: ['public/**/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: Object.fromEntries(
        [
          'window',
          'document',
          'location',
          'sessionStorage',
          'fetch',
          'URL',
          'URLSearchParams',
          'TextDecoder',
          'AbortController',
          'CSS',
          'crypto',
          'setTimeout',
          'Promise',
          'JSON',
          'Date',
          'Math',
          'Number',
          'String',
          'Object',
          'Array',
          'Error',
          'isNaN',
          'encodeURIComponent',
        ].map((g) => [g, 'readonly']),
      ),
    },
    rules: {
      // `var` and function expressions on purpose: the scripts run as they are, in any current browser
      'no-var': 'off',
      '@typescript-eslint/no-this-alias': 'off',
      'no-undef': 'error',
      strict: ['error', 'function'],
    },
  },
);

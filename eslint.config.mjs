// @ts-check
// Lint with type information over every TypeScript file (npm test runs it). The rules are the ones
// that catch bugs the compiler does not: promises nobody awaits, promises where a callback is
// expected, a switch over a union that misses a case.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['dist/**', 'node_modules/**', 'runbooks/**', '.tools/**', '.hookbook/**', '**/*.cjs', '**/*.mjs', '**/*.js'],
  },
  {
    files: ['**/*.ts', '**/*.tsx'],
    extends: [tseslint.configs.base],
    languageOptions: {
      parserOptions: {
        project: ['./tsconfig.test.json', './tsconfig.dashboard-tests.json', './ui/tsconfig.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/await-thenable': 'error',
      'no-control-regex': 'error',
      '@typescript-eslint/no-require-imports': 'error',
      '@typescript-eslint/no-for-in-array': 'error',
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/prefer-promise-reject-errors': 'error',
    },
  },
  {
    // Tests read untyped JSON answers freely; the service code says what it holds.
    files: ['functions/**/*.ts', 'shared/**/*.ts', 'local/**/*.ts', 'cli/**/*.ts', 'client/**/*.ts', 'scripts/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'error' },
  },
  {
    // Preact ignores what an event handler returns, and the dashboard's async handlers catch their own
    // errors (they show the API's problem detail): an async onClick is not a misused promise there.
    files: ['ui/**/*.tsx'],
    rules: { '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }] },
  },
);

// ESLint for the whole tree: typescript-eslint's type-checked rules on the TypeScript, each file typed
// by the program `make typecheck` checks it in (tsconfig.k6.json first, so lib/ has k6's types, not
// Node's), and ESLint's recommended rules on the plain JS. Formatting is Prettier's
// alone (.prettierrc.json): eslint-config-prettier, last, turns off every rule that would disagree.
// Which folder may import what is test/unit/layout.test.ts's job, and the k6 side's missing Node
// globals are tsconfig.k6.json's (no Node types): neither is repeated here.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** What k6's runtime gives a plain-JS script without an import (@types/k6's globals, k6's console and require). */
const k6Globals = {
  __ENV: 'readonly',
  __VU: 'readonly',
  __ITER: 'readonly',
  open: 'readonly',
  require: 'readonly',
  console: 'readonly',
};

export default defineConfig(
  globalIgnores(['dist/', 'results/', 'fixtures/', 'node_modules/', '.tools/']),

  // A disable comment that no longer disables anything is stale: fail on it.
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },

  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { project: ['./tsconfig.k6.json', './tsconfig.node.json'], tsconfigRootDir: import.meta.dirname } },
    rules: {
      // `const { t, ...rest } = record` is how the code drops a key; `_x` marks a binding kept on purpose.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { ignoreRestSiblings: true, argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
      // A `let` declared above the closures that read it and assigned once they exist (sim/server.ts's pages) reads best in that order.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // `async` on a method whose interface returns a Promise keeps its throws rejections, even when this implementation never awaits.
      '@typescript-eslint/require-await': 'off',
      // A function of one job fits on a screen; a longer one is doing several.
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }],
    },
  },

  {
    files: ['lib/**', 'scenarios/**'],
    rules: {
      // k6's runtime is typed as ES2020 (tsconfig.k6.json), which has no Error cause (ES2022).
      'preserve-caught-error': 'off',
    },
  },
  {
    files: ['scenarios/scenario.ts'],
    rules: {
      // k6's require() is how the script loads its control and browser parts only in the VUs that need them.
      '@typescript-eslint/no-require-imports': 'off',
    },
  },

  {
    files: ['test/**', 'bench/**'],
    rules: {
      // Tests and benches read JSON that k6 and the CLI wrote (JSON.parse gives any) and check its fields as they go:
      // typing each document would be hundreds of edits for no check the assertions do not already make.
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // Tests hand ill-typed input to the code under test on purpose.
      '@typescript-eslint/no-explicit-any': 'off',
      // An array's default join is what an assertion message wants.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowArray: true }],
    },
  },
  {
    files: ['test/**'],
    rules: {
      // node:test runs and awaits every test() and describe() itself.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] }] },
      ],
      // Moodle's markup has literal double spaces (`<body  id=`): a regex copying it reads better than ` {2}`.
      'no-regex-spaces': 'off',
      // A test is as long as the scenario it walks through.
      'max-lines-per-function': 'off',
    },
  },

  // Plain JS has no types to check with: after the blocks above, so none of their typed rules reaches it.
  { files: ['**/*.js', '**/*.mjs'], extends: [tseslint.configs.disableTypeChecked] },
  { files: ['build.mjs', 'eslint.config.mjs'], languageOptions: { globals: globals.node } },
  { files: ['bench/bare-k6.js'], languageOptions: { globals: k6Globals } },

  prettier,
);

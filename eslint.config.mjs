// ESLint for the TypeScript and JavaScript sources: the recommended rules of ESLint and typescript-eslint, plus the
// few that keep this code base's habits (unused names with a leading underscore are deliberate). Formatting is
// Prettier's job (npm run format:check), layering dependency-cruiser's (npm run lint:layers).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      '.osteoflow/',
      '.venv*/',
      '.gpu-bench/',
      'dist/',
      'console/web/dist/',
      'coverage/',
      'tests/fixtures/',
      'models/segmentation/packages/',
      'models/segmentation/nnunet/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-console': 'off',
      // `a < b ? lo++ : hi++` and `ok || fail()` are statements here.
      '@typescript-eslint/no-unused-expressions': ['error', { allowShortCircuit: true, allowTernary: true }],
    },
  },
  {
    // CommonJS entry points and configs.
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);

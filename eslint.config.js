// @ts-check
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
    { ignores: ['dist/', 'node_modules/', '.tools/', 'bench/results*', 'eslint.config.js'] },
    js.configs.recommended,
    ...tseslint.configs.strictTypeChecked,
    ...tseslint.configs.stylisticTypeChecked,
    {
        languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
        rules: {
            '@typescript-eslint/no-explicit-any': 'error',
            '@typescript-eslint/explicit-module-boundary-types': 'error',
            '@typescript-eslint/consistent-type-imports': 'error',
            '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
            '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
            'no-console': 'off',
        },
    },
    {
        // Production code must never reach into the sandbox or the tests.
        files: ['src/**/*.ts'],
        rules: {
            'no-restricted-imports': ['error', { patterns: ['**/sandbox/**', '**/test/**'] }],
            'no-console': ['error', { allow: ['warn', 'error'] }],
        },
    },
    {
        files: ['test/**/*.ts'],
        rules: {
            // node:test's describe/it return promises that the runner awaits itself.
            '@typescript-eslint/no-floating-promises': 'off',
            '@typescript-eslint/no-non-null-assertion': 'off',
        },
    },
    prettier,
);

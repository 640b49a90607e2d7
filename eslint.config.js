// Lint: typescript-eslint (type-aware where it matters for async code) and the layer rules of
// docs/architecture.md (the table is scripts/module-layers.mjs). Each folder under src/ may import
// only the folders its layer allows, and only through their index.ts (no deep imports).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { layers } from './scripts/module-layers.mjs';

const all = Object.keys(layers);

const layerRules = Object.entries(layers).map(([mod, allowed]) => {
  const forbidden = allowed === null ? [] : all.filter((m) => m !== mod && !allowed.includes(m));
  const patterns = [
    ...forbidden.map((m) => ({
      group: [`**/${m}`, `**/${m}/**`, `!**/${mod}/**`],
      message: `src/${mod} must not import src/${m}: lower layers never import higher ones (docs/architecture.md).`,
    })),
    {
      // another module's internals: go through its index.ts
      regex: String.raw`^\.\./(?:\.\./)*(?!${mod}/)[a-z-]+(?:/[a-z-]+)?/(?!index\.js$)[^/]+\.js$`,
      message: 'Import another module through its index.ts, not its internals.',
    },
  ];
  return {
    files: [`src/${mod}/**/*.ts`],
    rules: { 'no-restricted-imports': ['error', { patterns }] },
  };
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'examples/**', 'bench/out/**', '**/fixtures/**', 'web/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            {
              from: 'package',
              name: ['test', 'it', 'describe', 'suite', 'before', 'after'],
              package: 'node:test',
            },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  ...layerRules,
);

// Lint: typescript-eslint (type-aware where it matters for async code) and the layer rules of
// DESIGN.md. Each folder under src/ may import only the folders below it, and only through their
// index.ts (no deep imports into another module).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** module -> the modules it may import. Anything else under src/ is forbidden. */
const layers = {
  diag: [],
  'puppet-types': ['diag'],
  hiera: ['diag'],
  store: ['diag'],
  model: ['diag', 'puppet-types'],
  compile: ['diag', 'puppet-types', 'model', 'hiera'],
  repo: ['diag', 'store'],
  packaging: ['diag', 'store', 'model', 'repo'],
  engine: ['diag', 'store'],
  providers: ['diag', 'model', 'compile', 'engine'],
  lab: ['diag'],
  release: ['diag', 'store', 'model', 'hiera', 'compile', 'providers', 'engine', 'repo', 'packaging'],
  // the composition root: reads configuration, opens the store, wires providers to the engine
  app: [
    'diag',
    'puppet-types',
    'hiera',
    'store',
    'model',
    'compile',
    'repo',
    'packaging',
    'engine',
    'providers',
    'release',
    'lab',
  ],
  server: null,
  web: null,
  cli: null,
};
const all = Object.keys(layers);

const layerRules = Object.entries(layers).map(([mod, allowed]) => {
  const forbidden = allowed === null ? [] : all.filter((m) => m !== mod && !allowed.includes(m));
  const patterns = [
    ...forbidden.map((m) => ({
      group: [`**/${m}`, `**/${m}/**`, `!**/${mod}/**`],
      message: `src/${mod} must not import src/${m}: lower layers never import higher ones (DESIGN.md).`,
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
    files: ['**/*.ts'],
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

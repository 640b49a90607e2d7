// The module layers of src/, as docs/architecture.md draws them: module -> the modules it may
// import. Anything else under src/ is forbidden (null: an entry point, may import any module).
// eslint.config.js enforces it; test/architecture/layers.test.ts checks that the document says the same.
export const layers = {
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

// The layers of osteoflow, lowest first: a folder may import its own layer and the layers below it, never one above.
// README.md's layout table names the same layers; `npm test` runs this check (npm run lint:layers).
const LAYERS = [
  ['contracts'], // plain data and types shared by every other layer; imports nothing
  ['config'], // settings and where the stack's servers are
  ['imaging'], // images, their I/O, geometry and resampling
  ['radiomics', 'models', 'store', 'registry', 'qc', 'study', 'synthetic', 'pacs', 'access'], // the libraries: engine, statistics and learning, results store, registry client, QC, study protocol, synthetic data, PACS client and de-identification, users, roles and the audit trail
  ['activities'], // Temporal activities: the libraries behind each step
  ['workflows'], // Temporal workflows: deterministic decisions over contracts only
  ['ops'], // starting and finding the servers
  ['workers'], // processes that serve workflows and activities
  ['clients'], // Temporal clients: coordinator operations, training and promotion
  ['console'], // the web console: its JSON API server and the browser front end it serves
  ['cli'], // the osteoflow command
];

const folders = (layer) => `^(${layer.join('|')})/`;
const above = (index) => LAYERS.slice(index + 1).flat();

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'A cycle makes two modules one.', from: {}, to: { circular: true } },
    ...LAYERS.slice(0, -1).map((layer, index) => ({
      name: `no-upward-from-${layer.join('-')}`,
      severity: 'error',
      comment: `${layer.join(', ')} may not import a higher layer (${above(index).join(', ')}).`,
      from: { path: folders(layer) },
      to: { path: folders(above(index)) },
    })),
    {
      name: 'contracts-import-nothing',
      severity: 'error',
      comment: 'contracts/ is plain data and types: no other folder, no package, no Node module.',
      from: { path: '^contracts/' },
      to: { pathNot: '^contracts/' },
    },
    {
      name: 'workflows-import-contracts-only',
      severity: 'error',
      comment: 'Workflow code is deterministic and bundled: contracts/, its own folder and the Temporal workflow SDK only.',
      from: { path: '^workflows/' },
      to: { pathNot: ['^(workflows|contracts)/', '^node_modules/@temporalio/(workflow|common)/'] },
    },
    {
      name: 'engine-stands-alone',
      severity: 'error',
      comment: 'The feature engine needs images and its parameter files, nothing of the application.',
      from: { path: '^radiomics/' },
      to: { path: '^(config|models|store|registry|qc|study|synthetic|pacs)/' },
    },
    {
      name: 'images-only-for-qc-and-synthetic',
      severity: 'error',
      comment: 'QC and the synthetic generator read and write images; they know nothing of features, models or stores.',
      from: { path: '^(qc|synthetic)/' },
      to: { path: '^(radiomics|models|store|registry|study)/' },
    },
    {
      name: 'pacs-stands-alone',
      severity: 'error',
      comment: 'The PACS client and de-identification talk DICOM and DICOMweb; they know nothing of features, models, stores or studies.',
      from: { path: '^pacs/' },
      to: { path: '^(radiomics|models|store|registry|qc|study|synthetic)/' },
    },
    {
      name: 'product-not-on-dev-tools',
      severity: 'error',
      comment: 'Benchmarks, tools and tests use the product; the product never uses them.',
      from: { path: `^(${LAYERS.flat().join('|')})/` },
      to: { path: '^(bench|tools|tests)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|\\.osteoflow|\\.venv[^/]*|\\.gpu-bench)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    moduleSystems: ['cjs', 'es6'],
  },
};

// The built CLI: esbuild bundles of the TypeScript entry points in dist/ (ignored by git), made by the install step
// (ops/bootstrap.mjs) whenever a source changed since the last build. bin/osteoflow.js and the worker processes the
// CLI starts run a bundle while it is fresh — every file it was built from still has the size and modification time
// recorded in dist/manifest.json (one record for all bundles: they are built, and go stale, together) — and the
// TypeScript sources through tsx otherwise (a stale or missing build, or
// OSTEOFLOW_FROM_SOURCE=1 while developing), so an edit is never run stale. Packages stay external: native modules
// (better-sqlite3, onnxruntime-node, sharp) and Temporal's SDK load from node_modules, and Temporal's workflow bundle is
// made from the workflow sources (ops/workflowBundle.ts). Plain JavaScript: it runs before anything is compiled.
'use strict';
const { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const DIST = path.join(ROOT, 'dist');
const MANIFEST = 'manifest.json';
const FORMAT = 2;

/** Bundle name → its TypeScript entry point (relative to the project root). */
const ENTRIES = {
  osteoflow: 'cli/main.ts',
  'pipeline-worker': 'workers/pipeline/main.ts',
  // the extraction pool's worker thread (radiomics/extraction/pool.ts finds it through OSTEOFLOW_RADIOMICS_WORKER)
  'radiomics-worker': 'radiomics/extraction/poolWorker.ts',
  // a candidate model's training thread (models/training/candidateThread.ts finds it through OSTEOFLOW_TRAINING_WORKER)
  'training-worker': 'models/training/candidateWorker.ts',
  // voxel-based extraction's threads (radiomics/voxel/pool.ts finds it through OSTEOFLOW_RADIOMICS_VOXEL_WORKER)
  'radiomics-voxel-worker': 'radiomics/voxel/worker.ts',
};

/** Worker-thread bundles and the name each is known by in the other bundles (defined to its path beside them). */
const WORKER_THREADS = {
  'radiomics-worker': 'OSTEOFLOW_RADIOMICS_WORKER',
  'training-worker': 'OSTEOFLOW_TRAINING_WORKER',
  'radiomics-voxel-worker': 'OSTEOFLOW_RADIOMICS_VOXEL_WORKER',
};

/** Files besides the bundled sources whose change makes a build stale (how it is built). */
const BUILD_INPUTS = ['ops/build.cjs', 'tsconfig.json', 'package.json'];

/**
 * The console's browser front end (React), served by the console server from console/web/dist/: one browser bundle
 * (app.js), its style sheet (app.css) and the page that loads them (index.html, copied). It has a manifest of its own
 * in that folder, so an edit of a page does not make the CLI's bundles stale, nor the reverse.
 */
const WEB = {
  name: 'console-web',
  dir: 'console/web',
  entry: 'console/web/src/main.tsx',
  page: 'console/web/index.html',
  inputs: ['ops/build.cjs', 'console/web/tsconfig.json', 'console/web/index.html', 'package.json'],
};
const WEB_DIST = path.join(ROOT, WEB.dir, 'dist');

const truthy = (value) => !['', '0', 'false', 'no'].includes((value ?? '').trim().toLowerCase());

function readManifest(outDir) {
  try {
    const manifest = JSON.parse(readFileSync(path.join(outDir, MANIFEST), 'utf8'));
    return manifest.format === FORMAT ? manifest : null;
  } catch {
    return null;
  }
}

/** Every recorded input still has its recorded size and modification time. */
function unchanged(inputs) {
  for (const [file, [size, mtimeMs]] of Object.entries(inputs)) {
    let stat;
    try {
      stat = statSync(path.join(ROOT, file));
    } catch {
      return false;
    }
    if (stat.size !== size || stat.mtimeMs !== mtimeMs) return false;
  }
  return true;
}

/** Path of the named bundle in `outDir` when it is fresh and wanted (not OSTEOFLOW_FROM_SOURCE), else null. */
function freshBundle(name, { env = process.env, outDir = DIST } = {}) {
  if (truthy(env.OSTEOFLOW_FROM_SOURCE)) return null;
  const manifest = readManifest(outDir);
  const output = manifest?.outputs?.[name];
  if (!output || !unchanged(manifest.inputs)) return null;
  const bundle = path.join(outDir, output);
  return existsSync(bundle) ? bundle : null;
}

/** Node arguments that run the named entry point: its bundle when fresh, else its TypeScript source through tsx. */
function nodeArguments(name, env = process.env) {
  const bundle = freshBundle(name, { env });
  return bundle ? [bundle] : ['--require', require.resolve('tsx/cjs'), path.join(ROOT, ENTRIES[name])];
}

/** The front end's build in `outDir` is complete and every input it was built from unchanged. */
function freshWeb(outDir = WEB_DIST) {
  const manifest = readManifest(outDir);
  if (!manifest || !unchanged(manifest.inputs)) return false;
  return ['page', 'script', 'style'].every((kind) => manifest.outputs?.[kind] && existsSync(path.join(outDir, manifest.outputs[kind])));
}

/** Names of the bundles that are missing or stale (the front end's too, for the project's own dist/). */
function staleBundles(outDir = DIST) {
  const stale = Object.keys(ENTRIES).filter((name) => freshBundle(name, { env: {}, outDir }) === null);
  return outDir === DIST && !freshWeb() ? [...stale, WEB.name] : stale;
}

/** Size and modification time of each input; one modified since `since` (during the build) is recorded as stale. */
function inputRecord(files, since) {
  const inputs = {};
  for (const file of [...new Set([...files, ...BUILD_INPUTS])].sort()) {
    const stat = statSync(path.join(ROOT, file));
    inputs[file] = [stat.size, stat.mtimeMs < since ? stat.mtimeMs : -1];
  }
  return inputs;
}

function writeAtomically(file, contents) {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, contents);
  renameSync(tmp, file);
}

/**
 * Project sources keep their own paths inside a bundle: each module that names `__dirname` or `__filename` gets its own
 * (esbuild renames them apart), and require.resolve of a relative path names the resolved source file, all joined to
 * the bundle's place in dist/ at run time, so the tree can move. This file itself stays outside the bundles, as the one
 * copy that bin/osteoflow.js uses too.
 */
const projectPaths = (outDir) => ({
  name: 'osteoflow-project-paths',
  setup(build) {
    const fromRoot = (absolute) => `require('node:path').join(__osteoflowRoot, ${JSON.stringify(path.relative(ROOT, absolute).split(path.sep).join('/'))})`;
    build.onResolve({ filter: /build\.cjs$/ }, (args) =>
      path.resolve(args.resolveDir, args.path) === __filename ? { path: path.relative(outDir, __filename), external: true } : undefined,
    );
    build.onLoad({ filter: /\.(ts|js)$/ }, async (args) => {
      const relative = path.relative(ROOT, args.path);
      if (relative.startsWith('..') || relative.split(path.sep).includes('node_modules')) return undefined;
      const dir = path.dirname(args.path);
      let source = readFileSync(args.path, 'utf8');
      for (const [call, , specifier] of [...source.matchAll(/require\.resolve\((['"])(\.{1,2}\/[^'"]*)\1\)/g)]) {
        const resolved = await build.resolve(specifier, { resolveDir: dir, kind: 'require-resolve' });
        if (resolved.errors.length > 0) return { errors: resolved.errors };
        source = source.split(call).join(fromRoot(resolved.path));
      }
      if (/\b__(dirname|filename)\b/.test(source)) {
        source = `const __dirname = ${fromRoot(dir)}, __filename = ${fromRoot(args.path)};\n${source}`;
      }
      return { contents: source, loader: path.extname(args.path) === '.ts' ? 'ts' : 'js' };
    });
  },
});

/**
 * Bundles the front end into `outDir` (console/web/dist/): app.js (React and TanStack Query included, minified, for
 * current browsers), app.css and index.html; records their inputs there; returns the files written.
 */
async function buildWeb({ outDir = WEB_DIST } = {}) {
  const esbuild = require('esbuild');
  const started = Date.now();
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: { app: path.join(ROOT, WEB.entry) },
    outdir: outDir,
    bundle: true,
    platform: 'browser',
    target: ['es2022', 'chrome120', 'firefox120', 'safari17'],
    format: 'esm',
    jsx: 'automatic',
    minify: true,
    sourcemap: 'linked',
    tsconfig: path.join(ROOT, WEB.dir, 'tsconfig.json'),
    define: { 'process.env.NODE_ENV': '"production"' },
    metafile: true,
    write: false,
    logLevel: 'warning',
  });
  mkdirSync(outDir, { recursive: true });
  for (const file of result.outputFiles) writeAtomically(file.path, file.contents);
  writeAtomically(path.join(outDir, 'index.html'), readFileSync(path.join(ROOT, WEB.page)));
  const sources = Object.values(result.metafile.outputs).flatMap((meta) => Object.keys(meta.inputs));
  // The packages' files are covered by package.json (an install changes it or the lock); the project's own are recorded.
  const own = sources.filter((file) => !file.split('/').includes('node_modules'));
  const inputs = inputRecord([...own, ...WEB.inputs], started);
  const outputs = { page: 'index.html', script: 'app.js', style: 'app.css' };
  writeAtomically(path.join(outDir, MANIFEST), `${JSON.stringify({ format: FORMAT, outputs, inputs })}\n`);
  return Object.values(outputs).map((file) => path.join(outDir, file));
}

/**
 * Bundles every entry point into `outDir` (dist/) and records their inputs there; for the project's own dist/ also the
 * front end (console/web/dist/). Returns the bundles written.
 */
async function build({ outDir = DIST, web = outDir === DIST } = {}) {
  const bundles = await buildNode(outDir);
  return web ? [...bundles, ...(await buildWeb())] : bundles;
}

async function buildNode(outDir) {
  const esbuild = require('esbuild');
  const started = Date.now();
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([name, source]) => [name, path.join(ROOT, source)])),
    outdir: outDir,
    outExtension: { '.js': '.cjs' },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    packages: 'external',
    sourcemap: 'linked',
    metafile: true,
    write: false,
    logLevel: 'warning',
    banner: {
      js: [
        `const __osteoflowRoot = require('node:path').join(__dirname, ${JSON.stringify(path.relative(outDir, ROOT) || '.')});`,
        ...Object.entries(WORKER_THREADS).map(([bundle, name]) => `const __${name} = require('node:path').join(__dirname, '${bundle}.cjs');`),
      ].join('\n'),
    },
    define: Object.fromEntries(Object.values(WORKER_THREADS).map((name) => [name, `__${name}`])),
    plugins: [projectPaths(outDir)],
  });
  mkdirSync(outDir, { recursive: true });
  for (const file of result.outputFiles) writeAtomically(file.path, file.contents);
  const bundles = Object.entries(result.metafile.outputs).filter(([, meta]) => meta.entryPoint);
  const outputs = Object.fromEntries(bundles.map(([output]) => [path.basename(output, '.cjs'), path.basename(output)]));
  const inputs = inputRecord(
    bundles.flatMap(([, meta]) => Object.keys(meta.inputs)),
    started,
  );
  writeAtomically(path.join(outDir, MANIFEST), `${JSON.stringify({ format: FORMAT, outputs, inputs })}\n`);
  return Object.values(outputs).map((file) => path.join(outDir, file));
}

module.exports = { ENTRIES, freshBundle, nodeArguments, staleBundles, build, buildWeb, freshWeb };

// `node ops/build.cjs`: build now.
if (require.main === module) {
  build().then(
    (outputs) => console.log(`built ${outputs.map((file) => path.relative(ROOT, file)).join(', ')}`),
    (err) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}

#!/bin/sh
//bin/true; : "${MALLOC_MMAP_THRESHOLD_:=1048576}"; export MALLOC_MMAP_THRESHOLD_; exec node "$0" "$@"
// `npx osteoflow <command>`: runs the built CLI (dist/osteoflow.cjs, made by the install step) while it is fresh, and
// the TypeScript sources through tsx when it is missing or stale or OSTEOFLOW_FROM_SOURCE=1 (ops/build.cjs says which).
//
// Run as a program (npx, node_modules/.bin, ./bin/osteoflow.js), the file is first a shell script: the line above (a
// comment to JavaScript) replaces the shell with node, with glibc's malloc told to serve every block of 1 MiB or more
// by mmap, unless the environment already says otherwise. glibc reads that before the process starts, never later.
// Its default raises the limit to the size of each large block freed, so the extraction's image-sized arrays (about
// 10 MB each) come from the arena of the worker thread that freed them and stay in its resident memory after they
// are free: some 25-50 MB of peak RSS in `osteoflow extract` with filters (bench/cliTables.ts), for about 0.2 s more
// system time per case (fresh mappings are faulted in). `node bin/osteoflow.js` skips the shell line and runs with
// glibc's default.
const { freshBundle } = require('../ops/build.cjs');

const debug = !['', '0', 'false'].includes((process.env.OSTEOFLOW_DEBUG ?? '').trim().toLowerCase());

function loadCli() {
  const bundle = freshBundle('osteoflow');
  if (bundle) {
    // Stack traces name the TypeScript sources when they are wanted.
    if (debug) process.setSourceMapsEnabled(true);
    return require(bundle);
  }
  require('tsx/cjs');
  return require('../cli/main.ts');
}

Promise.resolve()
  .then(() => loadCli().main(process.argv.slice(2)))
  .then((code) => {
    process.exitCode = code;
  })
  .catch((err) => {
    // Commands report their own failures; this is the last resort (e.g. the CLI itself failed to load).
    console.error(`osteoflow: ${String(err instanceof Error ? err.message : err).replace(/\s*\n\s*/g, ' ')}`);
    if (debug) console.error(err);
    process.exitCode = 1;
  });

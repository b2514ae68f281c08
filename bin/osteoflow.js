#!/usr/bin/env node
// `npx osteoflow <command>`: runs the built CLI (dist/osteoflow.cjs, made by the install step) while it is fresh, and
// the TypeScript sources through tsx when it is missing or stale or OSTEOFLOW_FROM_SOURCE=1 (ops/build.cjs says which).
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

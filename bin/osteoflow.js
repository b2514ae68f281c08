#!/usr/bin/env node
// `npx osteoflow <command>`: loads the TypeScript CLI through tsx (no build step).
require('tsx/cjs');
Promise.resolve()
  .then(() => require('../cli/main.ts').main(process.argv.slice(2)))
  .then((code) => {
    process.exitCode = code;
  })
  .catch((err) => {
    // Commands report their own failures; this is the last resort (e.g. the CLI itself failed to load).
    const debug = !['', '0', 'false'].includes((process.env.OSTEOFLOW_DEBUG ?? '').trim().toLowerCase());
    console.error(`osteoflow: ${String(err instanceof Error ? err.message : err).replace(/\s*\n\s*/g, ' ')}`);
    if (debug) console.error(err);
    process.exitCode = 1;
  });

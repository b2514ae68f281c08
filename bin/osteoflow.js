#!/usr/bin/env node
// `npx osteoflow <command>`: loads the TypeScript CLI through tsx (no build step).
require('tsx/cjs');
require('../cli/main.ts')
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  })
  .catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });

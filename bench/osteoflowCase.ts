// One benchmark case in its own process (so peak RSS is the case's): prints one JSON line.
// usage: tsx bench/osteoflowCase.ts IMAGE MASK PARAMS.yaml RUNS
import { extract } from '../radiomics/extractor';
import { ENGINE_VERSION } from '../radiomics/version';

async function main(): Promise<void> {
  const [image, mask, params, runsText] = process.argv.slice(2);
  const runs = Number(runsText ?? 3);
  const seconds: number[] = [];
  let features: Record<string, number> = {};
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    // Each run is the whole extraction: read both files, hash, preprocess, every feature class.
    features = (await extract(image, mask, params)).features;
    seconds.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  // resourceUsage().maxRSS is in kilobytes, like getrusage's ru_maxrss on Linux.
  process.stdout.write(`${JSON.stringify({ version: ENGINE_VERSION, seconds, maxRssKb: process.resourceUsage().maxRSS, features })}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});

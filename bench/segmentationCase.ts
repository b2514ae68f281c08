// One segmentation benchmark case in its own process (so peak RSS is the case's): prints one JSON line.
// usage: tsx bench/segmentationCase.ts MODEL_DIR T1CE T2 TRUTH RUNS PROVIDERS TTA THREADS BATCH
import { readImage } from '../imaging/io';
import { ModelSession, dice, loadModelPackage, parseProviders, segmentVolumes } from '../models/segmentation';

async function main(): Promise<void> {
  const [modelDir, t1ce, t2, truthFile, runsText, providers, tta, threads, batch] = process.argv.slice(2);
  const pkg = loadModelPackage(modelDir);
  const opened = performance.now();
  const session = await ModelSession.open(pkg, { providers: parseProviders(providers), ...(Number(threads) > 0 ? { cpuThreads: Number(threads) } : {}) });
  const openMs = performance.now() - opened;
  const truth = readImage(truthFile);
  const runs: Array<{ totalMs: number; inferenceMs: number; readMs: number }> = [];
  let last;
  for (let i = 0; i < Number(runsText); i++) {
    // Each run is the whole job of the activity: read both images, segment, post-process.
    const start = performance.now();
    const volumes = [readImage(t1ce), readImage(t2)];
    const readMs = performance.now() - start;
    last = await segmentVolumes(volumes, pkg, session, { tta: tta === '1', ...(Number(batch) > 0 ? { batchSize: Number(batch) } : {}) });
    runs.push({ totalMs: performance.now() - start, inferenceMs: last.timings.inferenceMs, readMs });
  }
  await session.release();
  process.stdout.write(
    `${JSON.stringify({
      model: pkg.ref,
      provider: session.provider,
      fallback: session.fallbackReason ?? null,
      openMs,
      runs,
      windows: last!.windows,
      passes: last!.passes,
      modelGrid: last!.modelGrid,
      tumourMl: last!.tumourMl,
      dice: dice(last!.mask.data, truth.data),
      maxRssKb: process.resourceUsage().maxRSS,
    })}\n`,
  );
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});

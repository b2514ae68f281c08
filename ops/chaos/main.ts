// `npm run chaos -- --patients N --faults K --seed S`: a fault campaign on the real stack (see campaign.ts). Prints
// the outcome table; exits 0 when the campaign passed, 1 when it failed, 2 on bad arguments, 130/143 when interrupted
// (after stopping what it started; a second Ctrl-C kills it all at once).
import { parseArgs } from 'node:util';
import { killEverythingNow, removeRunDir, runCampaign } from './campaign';
import { formatFindings, formatReport, verdict } from './table';

const USAGE = `usage: npm run chaos -- [--patients N] [--faults K] [--seed S] [--workers W] [--timeout-min M] [--keep]

  Runs a synthetic study of N patients (default 12) on a throw-away stack and injects K faults (default 20) at moments
  drawn from seed S (default 1): worker SIGKILLs, Temporal and MLflow restarts, an unwritable results store, bad files.
  W pipeline workers (default 2) beside one segmentation worker; the study must settle within M minutes (default 30).
  The run folder is removed after a campaign that passed, unless --keep.`;

/** A second signal this soon after the first is the same Ctrl-C arriving by another path. */
const SAME_SIGNAL_MS = 1500;

function positive(name: string, text: string | undefined, fallback: number, min = 1): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name}: expected a whole number ≥ ${min}, got ${JSON.stringify(text)}`);
  return n;
}

async function main(argv: string[]): Promise<number> {
  let options;
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        patients: { type: 'string' },
        faults: { type: 'string' },
        seed: { type: 'string' },
        workers: { type: 'string' },
        'timeout-min': { type: 'string' },
        keep: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    });
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    options = {
      patients: positive('patients', values.patients, 12),
      faults: positive('faults', values.faults, 20, 0),
      seed: positive('seed', values.seed, 1, 0),
      workers: positive('workers', values.workers, 2),
      timeoutMs: positive('timeout-min', values['timeout-min'], 30) * 60000,
      keep: values.keep === true,
    };
  } catch (err) {
    console.error(`chaos: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }

  const t0 = Date.now();
  const log = (line: string) => console.log(`[chaos ${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${line}`);
  const interrupts = new AbortController();
  let firstSignalAt = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (!interrupts.signal.aborted) {
      firstSignalAt = Date.now();
      console.error(`\n[chaos] ${signal}: stopping the workers and servers this campaign started (${signal} again to kill them at once)`);
      interrupts.abort(Object.assign(new Error(`interrupted by ${signal}`), { signal }));
      return;
    }
    // One Ctrl-C reaches this process twice: from the terminal, and relayed by the tsx launcher.
    if (Date.now() - firstSignalAt < SAME_SIGNAL_MS) return;
    killEverythingNow();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  // The last resort: whatever ends this process, no folder stays unwritable and nothing it started keeps running.
  process.on('exit', killEverythingNow);

  const { report, runDir } = await runCampaign({ ...options, log }, interrupts.signal);
  console.log(`\n${formatReport(report)}`);
  const findings = formatFindings(report);
  if (findings.length) console.log(`\nfindings:\n${findings.map((f) => `  ${f}`).join('\n')}`);
  const failed = verdict(report).length > 0;
  if (failed || options.keep || interrupts.signal.aborted) console.log(`\nrun folder kept: ${runDir} (worker logs in logs/, stack logs in data/logs/)`);
  else removeRunDir(runDir);
  if (interrupts.signal.aborted) return (interrupts.signal.reason as { signal?: string }).signal === 'SIGTERM' ? 143 : 130;
  return failed ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`chaos: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);

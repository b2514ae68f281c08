// `npx tsx synthetic/cli.ts --seed 7 --patients 6 --out DIR [--defect-rate 0.1] [--defect-kinds a,b] [--size 64,64,32]`
// writes a synthetic study and prints where, how many defects, and how long it took.
import { writeStudy } from './study';
import { DEFECT_KINDS, type DefectKind } from './manifest';
import type { Vec3 } from '../imaging/image';

const USAGE =
  'usage: npx tsx synthetic/cli.ts --seed N --patients N --out DIR [--defect-rate 0–1] [--defect-kinds ' + DEFECT_KINDS.join(',') + '] [--size X,Y,Z]';

function parse(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i];
    if (!key.startsWith('--') || i + 1 >= argv.length) throw new Error(`unexpected argument ${JSON.stringify(key)}\n${USAGE}`);
    out[key.slice(2)] = argv[++i];
  }
  return out;
}

function integer(args: Record<string, string>, name: string, fallback?: number): number {
  if (args[name] === undefined) {
    if (fallback === undefined) throw new Error(`--${name} is required\n${USAGE}`);
    return fallback;
  }
  const n = Number(args[name]);
  if (!Number.isInteger(n)) throw new Error(`--${name}: expected an integer, got ${JSON.stringify(args[name])}`);
  return n;
}

function main(): void {
  const args = parse(process.argv.slice(2));
  const known = new Set(['seed', 'patients', 'out', 'defect-rate', 'defect-kinds', 'size']);
  for (const k of Object.keys(args)) if (!known.has(k)) throw new Error(`unknown option --${k}\n${USAGE}`);
  if (!args.out) throw new Error(`--out is required\n${USAGE}`);
  const rate = args['defect-rate'] === undefined ? 0 : Number(args['defect-rate']);
  const kinds = args['defect-kinds']?.split(',') as DefectKind[] | undefined;
  const size = args.size?.split(',').map(Number) as Vec3 | undefined;
  const started = process.hrtime.bigint();
  const manifest = writeStudy({
    seed: integer(args, 'seed'),
    patients: integer(args, 'patients', 24),
    outDir: args.out,
    defects: { rate, kinds },
    size,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const good = manifest.patients.filter((p) => p.responder === 'good').length;
  console.log(
    `${manifest.patients.length} patients (${good} good responders), ${manifest.defects.length} defects → ${args.out}/manifest.json in ${seconds.toFixed(1)} s`,
  );
  for (const d of manifest.defects) console.log(`  ${d.pseudonym} ${d.timepoint} ${d.kind}: ${d.description}`);
}

try {
  main();
} catch (err) {
  console.error((err as Error).message);
  process.exitCode = 2;
}

// The system packages osteoflow runs on, from Debian: Orthanc (the embedded PACS), its DICOMweb plugin and DCMTK
// (storescu and friends, to send images to a PACS over DICOM) for every run; PostgreSQL (the results store's server
// backend, a user-owned cluster started by the tests), Chromium (the console's browser tests) and iproute2 (the
// multi-host test's network namespaces) for the tests only.
// Checked on every `npm start` / `npm test` (a few file lookups); installed with apt-get when one is missing, which
// needs root. `node ops/systemPackages.mjs [start|test]` runs the same check alone.
// ORTHANC_URL (an existing PACS) drops the Orthanc packages from the list: nothing is started then.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where Debian's orthanc-dicomweb package puts the plugin. */
export const DICOMWEB_PLUGIN = '/usr/share/orthanc/plugins/libOrthancDicomWeb.so';

/** Where Debian puts PostgreSQL's server programs (initdb, pg_ctl, postgres): one folder per major version. */
export const POSTGRESQL_LIB = '/usr/lib/postgresql';

/**
 * Each package with what shows it is installed (a program on PATH, in the sbin folders or in PostgreSQL's version
 * folders, or a file) and whether only the tests need it.
 */
export const SYSTEM_PACKAGES = [
  { name: 'orthanc', what: 'the Orthanc DICOM server', program: 'Orthanc', orthanc: true, testsOnly: false },
  { name: 'orthanc-dicomweb', what: "Orthanc's DICOMweb plugin", file: DICOMWEB_PLUGIN, orthanc: true, testsOnly: false },
  { name: 'dcmtk', what: 'DCMTK (storescu)', program: 'storescu', orthanc: false, testsOnly: false },
  { name: 'postgresql', what: 'the PostgreSQL server (initdb, pg_ctl)', program: 'pg_ctl', orthanc: false, testsOnly: true },
  { name: 'chromium', what: 'the Chromium browser', program: 'chromium', orthanc: false, testsOnly: true },
  { name: 'iproute2', what: 'ip (the network namespaces of the multi-host test)', program: 'ip', orthanc: false, testsOnly: true },
];

export class SystemPackagesError extends Error {
  constructor(message) {
    super(message);
    this.name = 'SystemPackagesError';
  }
}

function isExecutable(file) {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** PostgreSQL's version folders, newest first: Debian keeps initdb and pg_ctl there, off PATH. */
function postgresqlBinDirs() {
  if (!existsSync(POSTGRESQL_LIB)) return [];
  return readdirSync(POSTGRESQL_LIB)
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a))
    .map((v) => path.join(POSTGRESQL_LIB, v, 'bin'));
}

/**
 * The absolute path of a program found on PATH (or in the sbin folders, where Debian puts Orthanc, or PostgreSQL's
 * version folders), or undefined.
 */
export function findProgram(program, env = process.env) {
  const dirs = [...(env.PATH ?? '').split(path.delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin', ...postgresqlBinDirs()].filter(Boolean);
  for (const dir of dirs) {
    const file = path.join(dir, program);
    if (isExecutable(file)) return file;
  }
  return undefined;
}

/** The packages whose program or file is missing; `purpose` 'start' leaves out those only the tests need. */
export function missingSystemPackages(env = process.env, purpose = 'test') {
  const wanted = SYSTEM_PACKAGES.filter((p) => !(p.orthanc && env.ORTHANC_URL) && !(p.testsOnly && purpose === 'start'));
  return wanted.filter((p) => (p.program ? findProgram(p.program, env) === undefined : !existsSync(p.file)));
}

function runApt(args, log) {
  log(`[osteoflow] apt-get ${args.join(' ')}`);
  const result = spawnSync('apt-get', args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (result.error) throw new SystemPackagesError(`apt-get could not be run (${result.error.message})`);
  return result.status ?? 1;
}

/**
 * Installs the missing packages: `apt-get update` once, then `apt-get install -y --no-install-recommends …`.
 * Throws a SystemPackagesError that says what to do when they are missing and cannot be installed here.
 */
export function ensureSystemPackages({ log = console.log, env = process.env, purpose = 'test' } = {}) {
  const missing = missingSystemPackages(env, purpose);
  if (missing.length === 0) return [];
  const names = missing.map((p) => p.name);
  const listed = missing.map((p) => `${p.name} (${p.what})`).join(', ');
  const byHand = `apt-get update && apt-get install -y --no-install-recommends ${names.join(' ')}`;
  const orthancOnly = missing.every((p) => p.orthanc) ? ', or set ORTHANC_URL to use an existing PACS' : '';
  if (process.platform !== 'linux' || findProgram('apt-get', env) === undefined) {
    throw new SystemPackagesError(
      `missing ${listed}, and this machine has no apt-get to install them. Install them with the system's package manager${orthancOnly}.`,
    );
  }
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new SystemPackagesError(`missing ${listed}; installing them needs root. Run as root: ${byHand}${orthancOnly}.`);
  }
  log(`[osteoflow] installing ${names.join(', ')} from Debian's packages …`);
  if (runApt(['update'], log) !== 0) throw new SystemPackagesError(`apt-get update failed (see above); then run: ${byHand}`);
  if (runApt(['install', '-y', '--no-install-recommends', ...names], log) !== 0) {
    throw new SystemPackagesError(`apt-get install ${names.join(' ')} failed (see above); fix the cause and run: ${byHand}`);
  }
  const still = missingSystemPackages(env, purpose);
  if (still.length > 0)
    throw new SystemPackagesError(`installed ${names.join(', ')}, yet ${still.map((p) => p.program ?? p.file).join(', ')} is still missing.`);
  return names;
}

/** For the bootstrap: installs what `purpose` ('start' or 'test') needs, or says why it cannot and exits 1. */
export function ensureSystemPackagesOrExit(purpose = 'test') {
  try {
    ensureSystemPackages({ purpose });
  } catch (err) {
    console.error(`[osteoflow] ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url))
  ensureSystemPackagesOrExit(process.argv[2] === 'start' ? 'start' : 'test');

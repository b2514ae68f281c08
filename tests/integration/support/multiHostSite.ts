// A site of several hosts for the multi-host integration test: the servers in the root namespace — a PostgreSQL
// cluster of its own (results store and blob store, shared by every host) and the suite's Temporal and MLflow servers —
// reached by the hosts only at the bridge's address, and worker processes each on a host of its own
// (support/netnsHosts.ts) with its own data folder and working directory. The run folder, the namespaces and the
// cluster of a run that crashed are removed by the next run.
import { isAlive } from '../../../config/endpoints';
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { PROJECT_ROOT } from '../../../config';
import type { Endpoints } from '../../../config/endpoints';
import { startPostgres, type PostgresServer } from '../../../ops/postgresServer';
import { commandOnHost, createHostNetwork, forwardTcp, removeStaleHosts, type Forwarder, type Host, type HostNetwork } from './netnsHosts';
import { startWorkerProcess, type WorkerProcess } from './workerProcess';

const RUN_PREFIX = 'osteoflow-multihost-';

export interface HostFolders {
  /** OSTEOFLOW_DATA_DIR of the host's worker. */
  dataDir: string;
  /** Its working directory. */
  cwd: string;
  /** The folder holding both: the host's whole disk as far as the test is concerned. */
  root: string;
}

export interface SiteHost extends Host, HostFolders {}

export interface Site {
  runDir: string;
  /** The coordinator's own folder (its data folder, the scans it sends): hidden from every host. */
  coordinatorDir: string;
  network: HostNetwork;
  hosts: Record<string, SiteHost>;
  /** postgres://…@<bridge address>:<port>/osteoflow?sslmode=disable */
  storeUrl: string;
  temporalAddress: string;
  mlflowUri: string;
  /** Starts `entry` (a TypeScript file) on the host with `env` added to the host's environment; resolves once it prints `readyLine`. */
  startWorker(host: string, entry: string, env: NodeJS.ProcessEnv, readyLine: string): Promise<WorkerProcess>;
  /** Runs `argv` on the host as its workers run (same namespaces, same hidden folders) and waits for it. */
  runOnHost(host: string, argv: string[]): { status: number | null; stdout: string; stderr: string };
  /** The environment a process on `host` gets (servers at the bridge's address, the host's own data folder). */
  envOf(host: string): NodeJS.ProcessEnv;
  close(): Promise<void>;
}

/** The run folders of earlier runs whose test process is gone: their PostgreSQL stopped at once, the folder removed. */
function removeStaleRuns(): void {
  for (const name of readdirSync(os.tmpdir())) {
    const pid = Number(name.startsWith(RUN_PREFIX) ? name.slice(RUN_PREFIX.length) : NaN);
    if (!pid || pid === process.pid || isAlive(pid)) continue;
    const dir = path.join(os.tmpdir(), name);
    const pidFile = path.join(dir, 'servers', 'postgres', 'pgdata', 'postmaster.pid');
    const postmaster = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').split('\n')[0]) : 0;
    try {
      // SIGQUIT is PostgreSQL's immediate shutdown; only a postmaster of that folder is sent it.
      if (postmaster && readFileSync(`/proc/${postmaster}/cmdline`, 'utf8').includes(dir)) process.kill(postmaster, 'SIGQUIT');
    } catch {
      /* not running */
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The cluster listens on the bridge's address too, and lets the test subnet log in with the password. */
async function openToSubnet(server: PostgresServer, address: string, subnet: string): Promise<string> {
  appendFileSync(path.join(server.dataDir, 'pg_hba.conf'), `host all all ${subnet} scram-sha-256\n`);
  const client = new Client({ host: '127.0.0.1', port: server.port, user: server.user, password: server.password, database: server.database });
  await client.connect();
  try {
    await client.query('SELECT pg_reload_conf()');
  } finally {
    await client.end();
  }
  // Plain TCP on the private test subnet (a non-loopback host defaults to verify-full).
  return `postgres://${encodeURIComponent(server.user)}:${encodeURIComponent(server.password)}@${address}:${server.port}/${server.database}?sslmode=disable`;
}

function hostPort(address: string): { host: string; port: number } {
  const url = new URL(address.includes('://') ? address : `tcp://${address}`);
  return { host: url.hostname, port: Number(url.port) };
}

/**
 * Makes the run folder, the hosts' network, the PostgreSQL cluster and the forwarders to the suite's Temporal and
 * MLflow servers (`endpoints`). A failure part-way undoes what was made.
 */
export async function startSite(hostNames: string[], endpoints: Endpoints, namespace: string): Promise<Site> {
  removeStaleHosts();
  removeStaleRuns();
  const runDir = path.join(os.tmpdir(), `${RUN_PREFIX}${process.pid}`);
  rmSync(runDir, { recursive: true, force: true });
  // 0755: the cluster runs as the postgres user when the test runs as root, and must reach its folder.
  mkdirSync(runDir, { mode: 0o755 });
  const coordinatorDir = path.join(runDir, 'coordinator');
  mkdirSync(coordinatorDir);
  const undo: Array<() => unknown> = [() => rmSync(runDir, { recursive: true, force: true })];
  const close = async () => {
    for (const step of undo.reverse()) {
      try {
        await step();
      } catch {
        /* go on removing the rest */
      }
    }
  };
  try {
    const network = createHostNetwork(hostNames);
    undo.push(() => network.remove());
    const postgres = await startPostgres(path.join(runDir, 'servers', 'postgres'), {
      ephemeral: true,
      settings: { listen_addresses: `'127.0.0.1,${network.serverAddress}'` },
    });
    undo.push(() => postgres.stop());
    const storeUrl = await openToSubnet(postgres, network.serverAddress, network.subnet);
    const forwarders: Forwarder[] = [];
    undo.push(() => Promise.all(forwarders.map((f) => f.close())));
    forwarders.push(await forwardTcp(network.serverAddress, hostPort(endpoints.temporal.address)));
    forwarders.push(await forwardTcp(network.serverAddress, hostPort(endpoints.mlflow.trackingUri)));
    const temporalAddress = `${network.serverAddress}:${forwarders[0].port}`;
    const mlflowUri = `http://${network.serverAddress}:${forwarders[1].port}`;

    const hosts: Record<string, SiteHost> = {};
    for (const host of network.hosts) {
      const root = path.join(runDir, 'hosts', host.name);
      const folders = { root, dataDir: path.join(root, 'data'), cwd: path.join(root, 'work') };
      mkdirSync(folders.dataDir, { recursive: true });
      mkdirSync(folders.cwd, { recursive: true });
      hosts[host.name] = { ...host, ...folders };
    }
    const envOf = (name: string): NodeJS.ProcessEnv => {
      const env: NodeJS.ProcessEnv = { ...process.env };
      // The suite's own stack is named by its data folder; a host knows the servers only by their addresses.
      for (const key of ['OSTEOFLOW_TEST_OWNS_DATA_DIR', 'OSTEOFLOW_TEST_STOPS_STACK']) delete env[key];
      return {
        ...env,
        OSTEOFLOW_DATA_DIR: hosts[name].dataDir,
        TEMPORAL_ADDRESS: temporalAddress,
        TEMPORAL_NAMESPACE: namespace,
        MLFLOW_TRACKING_URI: mlflowUri,
        OSTEOFLOW_STORE_URL: storeUrl,
        OSTEOFLOW_LOG_LEVEL: 'WARN',
      };
    };
    const tsx = require.resolve('tsx/cjs');
    // Everything of the run but the host's own folder is out of its sight.
    const hiddenFrom = (host: SiteHost) => [
      coordinatorDir,
      path.join(runDir, 'servers'),
      ...Object.values(hosts)
        .filter((h) => h !== host)
        .map((h) => h.root),
    ];
    const startWorker = (name: string, entry: string, env: NodeJS.ProcessEnv, readyLine: string) => {
      const { command, args } = commandOnHost(hosts[name], hiddenFrom(hosts[name]), [process.execPath, '-r', tsx, path.join(PROJECT_ROOT, entry)]);
      return startWorkerProcess(command, args, { cwd: hosts[name].cwd, env: { ...envOf(name), ...env } }, readyLine);
    };
    const runOnHost = (name: string, argv: string[]) => {
      const { command, args } = commandOnHost(hosts[name], hiddenFrom(hosts[name]), argv);
      const result = spawnSync(command, args, { cwd: hosts[name].cwd, env: envOf(name), encoding: 'utf8', timeout: 30000 });
      return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
    };
    return { runDir, coordinatorDir, network, hosts, storeUrl, temporalAddress, mlflowUri, startWorker, runOnHost, envOf, close };
  } catch (err) {
    await close();
    throw err;
  }
}

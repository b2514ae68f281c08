// Separate hosts on one machine for the multi-host integration test: each host is a Linux network namespace joined by
// a veth pair to a private bridge the test makes on a free 10.x.y.0/24 subnet, so a process in it reaches the servers
// only at the bridge's address in the root namespace (its own 127.0.0.1 is another loopback). A host's processes also
// run in a mount namespace of their own, where the folders of the other hosts and of the coordinator are covered by
// an empty read-only tmpfs: a path of another host names nothing there. Every name carries the test process's pid,
// so two runs never clash, and what a crashed run left behind (namespaces, links, their processes) is removed first.
import { isAlive } from '../../../config/endpoints';
import { spawnSync } from 'node:child_process';
import net from 'node:net';

/** Link names (at most 15 characters): ofmh<pid>b is the bridge, ofmh<pid>h<i> and ofmh<pid>n<i> a host's veth pair. */
const LINK = /^ofmh(\d+)[bhn]\d*$/;
/** Namespace names: osteoflow-mh-<pid>-<host>. */
const NETNS = /^osteoflow-mh-(\d+)-/;
/** The private range the subnets are taken from (10.200.0.0–10.249.255.0, one /24 each). */
const SUBNETS = { firstOctet: 200, count: 50 * 256 };

const NEEDS = 'the multi-host test needs `ip netns` with CAP_NET_ADMIN and CAP_SYS_ADMIN (root on the machine, or a container started with them)';

export interface Host {
  name: string;
  netns: string;
  /** The host's address on the bridge. */
  address: string;
}

export interface HostNetwork {
  /** The root namespace's address on the bridge: where the hosts reach the servers. */
  serverAddress: string;
  subnet: string;
  hosts: Host[];
  /** Kills every process left in the namespaces, then removes the namespaces, the veth pairs and the bridge. */
  remove(): void;
}

function ip(args: string[]): string {
  const result = spawnSync('ip', args, { encoding: 'utf8' });
  if (result.error) throw new Error(`${NEEDS}; running 'ip ${args.join(' ')}' failed: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${NEEDS}; 'ip ${args.join(' ')}' exited with ${result.status}: ${result.stderr.trim()}`);
  return result.stdout;
}

/** Runs `ip`, ignoring failure (removal of what may already be gone). */
function ipQuiet(args: string[]): void {
  spawnSync('ip', args, { encoding: 'utf8' });
}

function killNamespaceProcesses(netns: string): void {
  const pids = spawnSync('ip', ['netns', 'pids', netns], { encoding: 'utf8' }).stdout ?? '';
  for (const pid of pids.split(/\s+/).filter(Boolean).map(Number)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone already */
    }
  }
}

function namespaces(): string[] {
  return ip(['netns', 'list'])
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[0])
    .filter(Boolean);
}

function links(): string[] {
  return (JSON.parse(ip(['-j', 'link', 'show'])) as Array<{ ifname: string }>).map((l) => l.ifname);
}

/** Removes namespaces and links of earlier runs whose test process is gone, with the processes still in them. */
export function removeStaleHosts(): string[] {
  const removed: string[] = [];
  for (const netns of namespaces()) {
    const pid = Number(NETNS.exec(netns)?.[1]);
    if (!pid || pid === process.pid || isAlive(pid)) continue;
    killNamespaceProcesses(netns);
    ipQuiet(['netns', 'del', netns]);
    removed.push(`netns ${netns}`);
  }
  for (const link of links()) {
    const pid = Number(LINK.exec(link)?.[1]);
    if (!pid || pid === process.pid || isAlive(pid)) continue;
    ipQuiet(['link', 'del', link]);
    removed.push(`link ${link}`);
  }
  return removed;
}

const toNumber = (address: string) => address.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);

/** A /24 of the private range that no route of the machine overlaps, starting from one derived from the pid. */
function freeSubnet(): string {
  const routes = (JSON.parse(ip(['-j', 'route', 'show'])) as Array<{ dst: string }>)
    .map((r) => r.dst)
    .filter((dst) => dst !== 'default')
    .map((dst) => {
      const [address, bits = '32'] = dst.split('/');
      const size = 2 ** (32 - Number(bits));
      const start = Math.floor(toNumber(address) / size) * size;
      return [start, start + size] as const;
    });
  for (let k = 0; k < SUBNETS.count; k++) {
    const n = (process.pid + k) % SUBNETS.count;
    const base = `10.${SUBNETS.firstOctet + Math.floor(n / 256)}.${n % 256}`;
    const start = toNumber(`${base}.0`);
    if (!routes.some(([from, to]) => start < to && start + 256 > from)) return base;
  }
  throw new Error('no free /24 left in 10.200.0.0–10.249.255.0 for the test network');
}

/**
 * Makes the bridge and one network namespace per host name. A failure part-way removes what was made and throws a
 * message saying what the test needs.
 */
export function createHostNetwork(names: string[]): HostNetwork {
  if (names.length > 9) throw new Error(`at most 9 hosts (got ${names.length})`);
  const bridge = `ofmh${process.pid}b`;
  const base = freeSubnet();
  const serverAddress = `${base}.1`;
  const hosts: Host[] = names.map((name, i) => ({ name, netns: `osteoflow-mh-${process.pid}-${name}`, address: `${base}.${10 + i}` }));
  const remove = () => {
    for (const host of hosts) {
      killNamespaceProcesses(host.netns);
      ipQuiet(['netns', 'del', host.netns]);
    }
    for (const [i] of hosts.entries()) ipQuiet(['link', 'del', `ofmh${process.pid}h${i}`]);
    ipQuiet(['link', 'del', bridge]);
  };
  try {
    ip(['link', 'add', bridge, 'type', 'bridge']);
    ip(['addr', 'add', `${serverAddress}/24`, 'dev', bridge]);
    ip(['link', 'set', bridge, 'up']);
    for (const [i, host] of hosts.entries()) {
      const outside = `ofmh${process.pid}h${i}`;
      const inside = `ofmh${process.pid}n${i}`;
      ip(['netns', 'add', host.netns]);
      ip(['link', 'add', outside, 'type', 'veth', 'peer', 'name', inside, 'netns', host.netns]);
      ip(['link', 'set', outside, 'master', bridge]);
      ip(['link', 'set', outside, 'up']);
      ip(['-n', host.netns, 'addr', 'add', `${host.address}/24`, 'dev', inside]);
      ip(['-n', host.netns, 'link', 'set', inside, 'up']);
      ip(['-n', host.netns, 'link', 'set', 'lo', 'up']);
    }
  } catch (err) {
    remove();
    throw err;
  }
  return { serverAddress, subnet: `${base}.0/24`, hosts, remove };
}

/**
 * The command line that runs `argv` on the host: in its network namespace (`ip netns exec` also gives it a mount
 * namespace), with each of `hidden` covered by an empty read-only tmpfs first. `ip` and `sh` exec into the program,
 * so the spawned process is the program itself (a signal to its pid reaches it).
 */
export function commandOnHost(host: Host, hidden: string[], argv: string[]): { command: string; args: string[] } {
  const script = 'while [ "$1" != -- ]; do mount -t tmpfs -o ro,size=4k,mode=0555 osteoflow-hidden "$1" || exit 97; shift; done; shift; exec "$@"';
  return { command: 'ip', args: ['netns', 'exec', host.netns, 'sh', '-c', script, 'sh', ...hidden, '--', ...argv] };
}

export interface Forwarder {
  port: number;
  close(): Promise<void>;
}

/**
 * A TCP listener on `listenHost` (a free port) passing every connection on to `target`: a server bound to 127.0.0.1
 * of the root namespace becomes reachable from the hosts at the bridge's address, and only there.
 */
export async function forwardTcp(listenHost: string, target: { host: string; port: number }): Promise<Forwarder> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    const upstream = net.connect(target.port, target.host);
    for (const s of [socket, upstream]) {
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
    }
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
    socket.pipe(upstream).pipe(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, listenHost, () => resolve());
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

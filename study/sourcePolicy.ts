// Where scans may come from. A registered source is a path a coordinator typed or a URL an automation sent: it is
// accepted only under the site's import roots (checked on the real path, so `..` and links cannot leave them) or from
// an allowed host (https unless plain http is allowed, never a private address unless allowed, redirects checked
// again). A refused source is bad input: it names the source and what was expected, never anything read from it.
import { lookup } from 'node:dns/promises';
import { realpathSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { RadiomicsInputError } from '../imaging/errors';

export interface SourcePolicy {
  /** Folders a file or series folder must lie in (real paths compared). */
  importRoots: string[];
  /** Host names (or literal addresses) a URL may name. */
  allowedHosts: string[];
  /** Plain http besides https. */
  allowHttp: boolean;
  /** Hosts that resolve to private, link-local or loopback addresses. */
  allowPrivateAddresses: boolean;
}

/** A refused source: the error names the source and what was expected. */
export function sourceError(source: string, message: string, expected: string): RadiomicsInputError {
  return new RadiomicsInputError(message, { file: source, field: 'source', expected });
}

export function refuse(source: string, message: string, expected: string): never {
  throw sourceError(source, message, expected);
}

function isInside(child: string, root: string): boolean {
  const relative = path.relative(root, child);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** The real path of a file source when it lies under an import root; refuses it otherwise. Missing: returned as given. */
export function checkFileSource(source: string, policy: SourcePolicy): string {
  if (!path.isAbsolute(source)) refuse(source, 'is a relative path', 'an absolute path under an import root');
  let real: string;
  try {
    real = realpathSync(source);
  } catch {
    return source; // not there yet: the copy reports it as unavailable, and it is checked again when it appears
  }
  const roots = policy.importRoots.map((root) => {
    try {
      return realpathSync(root);
    } catch {
      return path.resolve(root);
    }
  });
  if (!roots.some((root) => isInside(real, root))) refuse(source, 'lies outside the import roots', `a path under ${policy.importRoots.join(', ')}`);
  return source;
}

/** True for loopback, private (RFC 1918, unique-local) and link-local addresses. */
export function isPrivateAddress(address: string): boolean {
  if (isIP(address) === 4) {
    const [a, b] = address.split('.').map(Number);
    return (
      a === 10 ||
      a === 127 ||
      a === 0 ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 169 && b === 254) ||
      (a === 100 && b >= 64 && b <= 127)
    );
  }
  const lower = address.toLowerCase();
  if (lower.startsWith('::ffff:')) return isPrivateAddress(lower.slice(7));
  return lower === '::1' || lower === '::' || /^f[cd]/.test(lower) || /^fe[89ab]/.test(lower);
}

/** Checks a URL against the policy: scheme, host and the addresses the host resolves to. */
export async function checkUrlSource(url: string, policy: SourcePolicy): Promise<void> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    refuse(url, 'is not a valid URL', 'an http(s) URL');
  }
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && policy.allowHttp)) {
    refuse(url, `uses ${parsed.protocol.replace(':', '')}`, policy.allowHttp ? 'an http(s) URL' : 'an https URL (plain http is not allowed here)');
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (!policy.allowedHosts.includes(host))
    refuse(url, `names host ${host}, which is not allowed`, `one of ${policy.allowedHosts.join(', ') || '(no host allowed)'}`);
  if (policy.allowPrivateAddresses) return;
  const addresses = isIP(host) ? [host] : (await lookup(host, { all: true }).catch(() => [])).map((a) => a.address);
  if (addresses.some(isPrivateAddress))
    refuse(url, `names host ${host}, which has a private or loopback address`, 'a host on a public address (or allow private addresses)');
}

// The embedded MLflow server (SQLite backend store, artifacts served through the server's proxy) and its probe.

export function mlflowServerArgs(opts: { dbFile: string; artifactsDir: string; port: number }): string[] {
  return [
    'server',
    '--backend-store-uri',
    `sqlite:///${opts.dbFile}`,
    '--artifacts-destination',
    opts.artifactsDir,
    '--serve-artifacts',
    '--host',
    '127.0.0.1',
    '--port',
    String(opts.port),
    '--workers',
    '1',
  ];
}

/** True when GET <uri>/health answers 200. */
export async function mlflowAnswers(trackingUri: string, token?: string): Promise<boolean> {
  const response = await fetch(new URL('health', withSlash(trackingUri)), {
    headers: token ? { Authorization: `Bearer ${token}` } : {},
    signal: AbortSignal.timeout(2000),
  });
  return response.ok;
}

export function withSlash(uri: string): string {
  return uri.endsWith('/') ? uri : `${uri}/`;
}

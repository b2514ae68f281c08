// Connection options for the configured Temporal server, shared by workers, clients and the stack scripts.
import { readFileSync } from 'node:fs';
import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import type { OsteoflowConfig } from './index';
import { dataConverterFor } from './payloadCodec';

export function connectionOptions(address: string, cfg: OsteoflowConfig['temporal']): ConnectionOptions {
  const tlsFiles = cfg.tls;
  const tls = tlsFiles
    ? {
        serverNameOverride: tlsFiles.serverNameOverride,
        serverRootCACertificate: tlsFiles.serverRootCaCertFile ? readFileSync(tlsFiles.serverRootCaCertFile) : undefined,
        clientCertPair:
          tlsFiles.clientCertFile && tlsFiles.clientKeyFile
            ? { crt: readFileSync(tlsFiles.clientCertFile), key: readFileSync(tlsFiles.clientKeyFile) }
            : undefined,
      }
    : cfg.apiKey
      ? true // Temporal Cloud API keys require TLS
      : undefined;
  return { address, tls, apiKey: cfg.apiKey, connectTimeout: '5s' };
}

/**
 * A workflow client on the given server and the configured namespace, encrypting payloads where a codec key file is
 * configured; close it with `client.connection.close()`.
 */
export async function connectClient(address: string, cfg: OsteoflowConfig['temporal']): Promise<Client> {
  const dataConverter = dataConverterFor(cfg); // a bad key file fails here, before connecting
  const connection = await Connection.connect(connectionOptions(address, cfg));
  return new Client({ connection, namespace: cfg.namespace, dataConverter });
}

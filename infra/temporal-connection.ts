/** Connection options for a Temporal cluster from configuration: plain, mTLS, or Temporal Cloud with an API key. */
import { readFileSync } from 'node:fs';
import type { Config } from './config';

export function temporalConnectionOptions(address: string, config: Config) {
  const t = config.temporalTls;
  const tls =
    t.certPath || t.caPath || t.apiKey
      ? {
          serverNameOverride: t.serverName,
          serverRootCACertificate: t.caPath ? readFileSync(t.caPath) : undefined,
          clientCertPair:
            t.certPath && t.keyPath
              ? { crt: readFileSync(t.certPath), key: readFileSync(t.keyPath) }
              : undefined,
        }
      : undefined;
  return { address, tls, apiKey: t.apiKey };
}

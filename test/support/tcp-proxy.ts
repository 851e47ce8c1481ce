/**
 * A TCP relay on a free local port in front of a real service, which a test can take down (every connection cut,
 * new ones refused) and bring back on the same port: a network outage between the platform and a dependency,
 * with the dependency itself untouched.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { listen } from '../../infra/listen';

export interface TcpProxy {
  /** `host:port` of the relay. */
  address: string;
  port: number;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await listen(server, 0, '127.0.0.1');
  const port = (server.address() as AddressInfo).port;
  const down = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      if (!server.listening) return resolve();
      server.close(() => resolve());
    });
  return {
    address: `127.0.0.1:${port}`,
    port,
    down,
    up: () => listen(server, port, '127.0.0.1'),
    close: down,
  };
}

import { createServer, Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { isPortTaken, listen } from '../../infra/listen';

const close = (s: Server) => new Promise<void>((resolve) => s.close(() => resolve()));

it('resolves once listening, and rejects with EADDRINUSE when the port is held', async () => {
  const first = createServer();
  await listen(first, 0, '127.0.0.1');
  const { port } = first.address() as AddressInfo;
  const second = createServer();
  const err = await listen(second, port, '127.0.0.1').then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isPortTaken(err)).toBe(true);
  expect(second.listening).toBe(false);
  await close(first);
  // The port free again, the same server listens on it.
  await listen(second, port, '127.0.0.1');
  expect((second.address() as AddressInfo).port).toBe(port);
  await close(second);
});

it('tells a taken port from other failures', () => {
  expect(isPortTaken(Object.assign(new Error('x'), { code: 'EACCES' }))).toBe(false);
  expect(isPortTaken(undefined)).toBe(false);
});

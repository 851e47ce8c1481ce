import type { Server } from 'node:net';

/**
 * `server.listen(port, host)` as a promise that rejects when the port cannot be had (EADDRINUSE, EACCES), instead of
 * resolving with a server that listens nowhere (Express 5's `app.listen` calls its callback with the error) or
 * leaving an unheard 'error' event. Resolves once the server is listening.
 */
export function listen(server: Server, port: number, host?: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const failed = (err: Error) => reject(err);
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve();
    });
  });
}

/** Whether `err` says the port was taken meanwhile (a free port chosen, then taken by another process). */
export function isPortTaken(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE';
}

import net from 'node:net';

/** The only address local servers bind. */
export const LOOPBACK = '127.0.0.1';

/** A TCP port that is free on the loopback address right now. */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = net.createServer();
    server.unref();
    server.once('error', fail);
    server.listen(0, LOOPBACK, () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') done(address.port);
        else fail(new Error('no port assigned'));
      });
    });
  });
}

/**
 * Launches a server (on ports it picks with freePort) and waits until it is ready, up to `tries` times: a free
 * port can be taken by another process before the child binds it. A launch that does not get ready is stopped.
 */
export async function startOnFreePorts<T extends { stop(): Promise<void> }>(
  launch: () => Promise<T>,
  ready: (server: T) => Promise<void>,
  tries = 3,
): Promise<T> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= tries; attempt++) {
    const server = await launch();
    try {
      await ready(server);
      return server;
    } catch (error) {
      lastError = error;
      await server.stop();
    }
  }
  throw lastError;
}

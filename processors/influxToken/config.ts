import { z } from 'zod';
import { nonEmptyText, parseConfig } from '../../kernel/configSchema.js';

const schema = z.object({
  /** The instance's endpoint (https://<endpoint>:8086). */
  INFLUXDB_URL: z.url(),
  INFLUXDB_ORG: nonEmptyText,
  INFLUXDB_BUCKET: nonEmptyText,
  /** The 1.x database name the functions write and query, mapped to the bucket. */
  INFLUXDB_DATABASE: nonEmptyText,
  /** JSON {username, password} of the instance's admin user. */
  INFLUXDB_ADMIN_SECRET_ARN: nonEmptyText,
  /** Where the functions' token goes (a plain string). */
  INFLUXDB_TOKEN_SECRET_ARN: nonEmptyText,
});

/** The token function's settings. */
export type InfluxTokenConfig = z.infer<typeof schema>;

/** Reads and validates the token function's settings once, naming the variable that is wrong. */
export function readInfluxTokenConfig(env: NodeJS.ProcessEnv = process.env): InfluxTokenConfig {
  return parseConfig(schema, env, 'InfluxDB token function configuration');
}

/** The label of a secret's tokens in InfluxDB (their description starts with it). */
export function tokenLabel(tokenSecretArn: string): string {
  return `pfm-stream functions token for ${tokenSecretArn}`;
}

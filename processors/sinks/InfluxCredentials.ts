import { PfmError } from '../../kernel/errors.js';
import type { InfluxAuth, ResolvedInfluxAuth } from './types.js';

/** Reads a secret's current value; `fresh` skips any cache (the value was just refused). */
export type SecretReader = (secretId: string, options?: { fresh?: boolean }) => Promise<string | undefined>;

/**
 * What every InfluxDB client of the project (the sink, the drift scores, the agent's queries) sends as
 * credentials, and how it recovers when the server refuses them: a token kept in Secrets Manager is rotated
 * there (infra's token custom resource and rotation), so a warm function must read it again rather than keep
 * failing with the one it read at start-up.
 */
export interface InfluxCredentials {
  /** The Authorization header of the next request (empty without credentials). */
  header(): Record<string, string>;
  /**
   * Called after a 401/403. Reads the credential again and resolves true when it changed, so that one retry
   * with the new value is worth making; false when nothing new can be had.
   */
  refresh(): Promise<boolean>;
}

/** The Authorization header of fixed credentials. */
export function authHeader(auth: ResolvedInfluxAuth): Record<string, string> {
  switch (auth.kind) {
    case 'none':
      return {};
    case 'token':
      return { authorization: `Token ${auth.token}` };
    case 'password':
      return {
        authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`,
      };
  }
}

/** Credentials given in configuration: nothing to re-read, so a refusal stays a refusal. */
export function fixedCredentials(auth: ResolvedInfluxAuth): InfluxCredentials {
  const header = authHeader(auth);
  return { header: () => header, refresh: async () => false };
}

async function readToken(secretId: string, read: SecretReader, fresh: boolean): Promise<string> {
  let token: string | undefined;
  try {
    token = await read(secretId, { fresh });
  } catch (error) {
    throw new PfmError(
      'CONFIG_INVALID',
      `INFLUXDB_TOKEN_SECRET_ARN: cannot read ${secretId}: ${String(error)}`,
      {
        cause: error,
      },
    );
  }
  if (!token?.trim()) {
    throw new PfmError(
      'CONFIG_INVALID',
      `INFLUXDB_TOKEN_SECRET_ARN: secret ${secretId} is empty; store the InfluxDB API token in it`,
    );
  }
  return token.trim();
}

/**
 * A token kept in Secrets Manager: read once now (a missing or empty secret stops start-up), and read again,
 * bypassing every cache, when the server refuses it. A read that fails during a refresh is reported as "nothing
 * new" so the caller surfaces the server's own refusal.
 */
export async function secretTokenCredentials(
  secretId: string,
  read: SecretReader,
): Promise<InfluxCredentials> {
  let token = await readToken(secretId, read, false);
  return {
    header: () => ({ authorization: `Token ${token}` }),
    refresh: async () => {
      let next: string;
      try {
        next = await readToken(secretId, read, true);
      } catch {
        return false;
      }
      const changed = next !== token;
      token = next;
      return changed;
    },
  };
}

/** The credentials a configured InfluxAuth stands for. */
export function influxCredentials(auth: InfluxAuth, read: SecretReader): Promise<InfluxCredentials> {
  return auth.kind === 'tokenSecret'
    ? secretTokenCredentials(auth.secretId, read)
    : Promise.resolve(fixedCredentials(auth));
}

/** Secrets Manager through Powertools Parameters (function role, 5 s cache); imported on demand, Lambda only. */
export async function readSecretWithPowertools(
  secretId: string,
  options: { fresh?: boolean } = {},
): Promise<string | undefined> {
  const { getSecret } = await import('@aws-lambda-powertools/parameters/secrets');
  const value = await getSecret(secretId, { forceFetch: options.fresh ?? false });
  return typeof value === 'string'
    ? value
    : value === undefined
      ? undefined
      : Buffer.from(value).toString('utf8');
}

import { PfmError } from '../../kernel/errors.js';
import type { InfluxAdmin, InfluxAuthorization } from './types.js';

export interface InfluxDbAdminApiOptions {
  /** Base URL of the instance, e.g. `https://id.timestream-influxdb.eu-west-1.on.aws:8086`. */
  url: string;
  /** The admin user's credentials, read when the first request needs them. */
  credentials: () => Promise<{ username: string; password: string }>;
  timeoutMs?: number;
}

interface Call {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  /** Authorization of this call instead of the admin session (a token being tested). */
  authorization?: string;
}

/**
 * The InfluxDB v2 API (InfluxDB OSS 2.x API reference), signed in as the admin user: POST /api/v2/signin with
 * Basic credentials opens a session whose cookie authorizes the later calls. Timestream for InfluxDB serves the
 * same API on the instance's endpoint; this runs inside the instance's VPC.
 */
export class InfluxDbAdminApi implements InfluxAdmin {
  private session: Promise<string> | undefined;
  private readonly timeoutMs: number;

  constructor(private readonly options: InfluxDbAdminApiOptions) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  async organizationId(name: string): Promise<string> {
    const body = (await this.json({ method: 'GET', path: '/api/v2/orgs', query: { org: name } })) as {
      orgs?: { id: string; name: string }[];
    };
    const org = body.orgs?.find((o) => o.name === name);
    if (org === undefined) {
      throw new PfmError('CONFIG_INVALID', `InfluxDB ${this.options.url} has no organization "${name}"`);
    }
    return org.id;
  }

  async findBucket(orgId: string, name: string): Promise<string | undefined> {
    const body = (await this.json({
      method: 'GET',
      path: '/api/v2/buckets',
      query: { orgID: orgId, name },
    })) as {
      buckets?: { id: string; name: string }[];
    };
    return body.buckets?.find((b) => b.name === name)?.id;
  }

  async createBucket(orgId: string, name: string): Promise<string> {
    const body = (await this.json({
      method: 'POST',
      path: '/api/v2/buckets',
      body: { orgID: orgId, name, retentionRules: [] },
    })) as { id: string };
    return body.id;
  }

  async findDbrp(orgId: string, database: string): Promise<{ id: string; bucketId: string } | undefined> {
    const body = (await this.json({
      method: 'GET',
      path: '/api/v2/dbrps',
      query: { orgID: orgId, db: database },
    })) as {
      content?: { id: string; bucketID: string; database: string; virtual?: boolean }[];
    };
    const found = body.content?.find((d) => d.database === database && d.virtual !== true);
    return found && { id: found.id, bucketId: found.bucketID };
  }

  async createDbrp(orgId: string, bucketId: string, database: string): Promise<void> {
    await this.json({
      method: 'POST',
      path: '/api/v2/dbrps',
      body: { orgID: orgId, bucketID: bucketId, database, retention_policy: 'autogen', default: true },
    });
  }

  async createBucketToken(
    orgId: string,
    bucketId: string,
    description: string,
  ): Promise<{ id: string; token: string }> {
    const resource = { type: 'buckets', id: bucketId, orgID: orgId };
    const body = (await this.json({
      method: 'POST',
      path: '/api/v2/authorizations',
      body: {
        orgID: orgId,
        description,
        status: 'active',
        permissions: [
          { action: 'read', resource },
          { action: 'write', resource },
        ],
      },
    })) as { id: string; token: string };
    return { id: body.id, token: body.token };
  }

  async listAuthorizations(orgId: string): Promise<InfluxAuthorization[]> {
    const body = (await this.json({
      method: 'GET',
      path: '/api/v2/authorizations',
      query: { orgID: orgId },
    })) as {
      authorizations?: { id: string; description?: string; status: 'active' | 'inactive' }[];
    };
    return (body.authorizations ?? []).map((a) => ({
      id: a.id,
      description: a.description ?? '',
      status: a.status,
    }));
  }

  async deleteAuthorization(id: string): Promise<void> {
    await this.json({ method: 'DELETE', path: `/api/v2/authorizations/${encodeURIComponent(id)}` });
  }

  async tokenCanRead(token: string, bucketId: string): Promise<boolean> {
    const response = await this.send({
      method: 'GET',
      path: `/api/v2/buckets/${encodeURIComponent(bucketId)}`,
      authorization: `Token ${token}`,
    });
    await response.body?.cancel();
    return response.status === 200;
  }

  /** Signs in once (POST /api/v2/signin, Basic) and keeps the session cookie. */
  private signIn(): Promise<string> {
    this.session ??= (async () => {
      const { username, password } = await this.options.credentials();
      const response = await this.fetch('POST', '/api/v2/signin', {
        authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`,
      });
      const text = await response.text();
      if (response.status !== 204 && response.status !== 200) {
        throw this.failure('POST /api/v2/signin', response.status, text);
      }
      const cookie = response.headers.getSetCookie?.().find((c) => c.includes('session'));
      if (cookie === undefined) {
        throw new PfmError(
          'SINK_REJECTED',
          `InfluxDB ${this.options.url}: sign-in answered without a session cookie`,
        );
      }
      return cookie.split(';')[0] as string;
    })().catch((error: unknown) => {
      this.session = undefined;
      throw error;
    });
    return this.session;
  }

  private async send(call: Call): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (call.authorization !== undefined) headers.authorization = call.authorization;
    else headers.cookie = await this.signIn();
    if (call.body !== undefined) headers['content-type'] = 'application/json';
    const query = call.query ? `?${new URLSearchParams(call.query).toString()}` : '';
    return this.fetch(call.method, `${call.path}${query}`, headers, call.body);
  }

  private async json(call: Call): Promise<unknown> {
    const response = await this.send(call);
    const text = await response.text();
    if (response.status < 200 || response.status > 299) {
      throw this.failure(`${call.method} ${call.path}`, response.status, text);
    }
    return text === '' ? {} : (JSON.parse(text) as unknown);
  }

  private async fetch(
    method: string,
    pathAndQuery: string,
    headers: Record<string, string>,
    body?: unknown,
  ): Promise<Response> {
    const url = new URL(
      pathAndQuery,
      this.options.url.endsWith('/') ? this.options.url : `${this.options.url}/`,
    );
    try {
      return await fetch(url, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new PfmError(
        'SINK_UNAVAILABLE',
        `InfluxDB ${this.options.url} unreachable (${method} ${pathAndQuery}): ${error instanceof Error ? error.message : String(error)}`,
        { retryable: true, cause: error },
      );
    }
  }

  private failure(what: string, status: number, text: string): PfmError {
    let message = text.trim().slice(0, 500);
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? message;
    } catch {
      // not JSON
    }
    const hint = status === 401 ? ' (check the admin secret: username and password)' : '';
    return new PfmError(
      'SINK_REJECTED',
      `InfluxDB ${this.options.url}: ${what} answered HTTP ${status} ${message}${hint}`,
      {
        retryable: status === 429 || status >= 500,
      },
    );
  }
}

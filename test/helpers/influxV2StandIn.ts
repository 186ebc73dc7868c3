import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeServer, listenOnLoopback, readBody } from './httpStandIn.js';

/**
 * TEST AID, not InfluxDB 2.x: the sign-in, bucket, DBRP and authorization parts of the InfluxDB v2 API in front of
 * a real InfluxDB 1.x (Debian's influxd), on 127.0.0.1, for the one thing Debian's 1.x cannot show: tokens. It
 * enforces what the InfluxDB OSS 2.x API reference and docs say a client meets:
 * - POST /api/v2/signin with Basic credentials of a user opens a session (204, Set-Cookie `influxdb-oss-session`);
 *   wrong credentials: 401 {"code":"unauthorized"} ("Create a user session").
 * - Every other /api/v2 call needs that session cookie or an `Authorization: Token` header ("API tokens");
 *   without either, or with a revoked or unknown token: 401 {"code":"unauthorized","message":"unauthorized access"}.
 * - GET/POST /api/v2/buckets, GET/POST /api/v2/dbrps, GET/POST /api/v2/authorizations, DELETE
 *   /api/v2/authorizations/{id}, GET /api/v2/buckets/{id}, GET /api/v2/orgs ("InfluxDB OSS v2 API").
 * - Each bucket has a virtual DBRP mapping (database = bucket name, retention policy autogen) until an explicit one
 *   maps that database ("Database and retention policy mapping": virtual DBRP mappings).
 * - The 1.x-compatible /write and /query find the bucket through the DBRP mapping of `db` (and `rp`) and need a
 *   token with write (/write) or read (/query) permission on that bucket: 401 for no or a revoked token, 403
 *   {"code":"forbidden"} for a token without the permission ("/write 1.x compatibility API", "/query 1.x
 *   compatibility API"). Accepted requests are passed to influxd with the bucket's own database.
 */

interface Bucket {
  id: string;
  name: string;
  orgID: string;
  /** The influxd database that holds it. */
  database: string;
}

interface Permission {
  action: 'read' | 'write';
  resource: { type: string; id?: string; orgID?: string };
}

interface Authorization {
  id: string;
  token: string;
  description: string;
  orgID: string;
  status: 'active' | 'inactive';
  permissions: Permission[];
}

interface Dbrp {
  id: string;
  orgID: string;
  bucketID: string;
  database: string;
  retention_policy: string;
  default: boolean;
  virtual: boolean;
}

export interface InfluxV2StandInOptions {
  /** The real influxd behind it (1.x, no auth). */
  influxUrl: string;
  /** The initial admin user, organization and bucket, as Timestream for InfluxDB creates them with the instance. */
  username: string;
  password: string;
  organization: string;
  bucket: string;
}

/** One request as the stand-in saw it. */
export interface V2Call {
  method: string;
  path: string;
  status: number;
}

const id = () => randomBytes(8).toString('hex');
const json = (res: ServerResponse, status: number, body?: unknown) => {
  if (body === undefined) res.writeHead(status).end();
  else res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
};
const unauthorized = { code: 'unauthorized', message: 'unauthorized access' };

/** The InfluxDB v2 stand-in (see the module comment). */
export class InfluxV2StandIn {
  readonly calls: V2Call[] = [];
  readonly orgId = id();
  private readonly buckets = new Map<string, Bucket>();
  private readonly authorizations = new Map<string, Authorization>();
  private readonly dbrps = new Map<string, Dbrp>();
  private readonly sessions = new Set<string>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly options: InfluxV2StandInOptions,
  ) {}

  static async start(options: InfluxV2StandInOptions): Promise<InfluxV2StandIn> {
    let standIn: InfluxV2StandIn | undefined;
    const server = createServer((req, res) => {
      void standIn
        ?.handle(req, res)
        .catch((error: unknown) => json(res, 500, { code: 'internal error', message: String(error) }));
    });
    standIn = new InfluxV2StandIn(server, await listenOnLoopback(server), options);
    await standIn.createBucket(options.bucket);
    return standIn;
  }

  async stop(): Promise<void> {
    await closeServer(this.server);
  }

  /** The tokens InfluxDB holds now, for assertions. */
  activeTokens(): { id: string; token: string; description: string }[] {
    return [...this.authorizations.values()]
      .filter((a) => a.status === 'active')
      .map(({ id, token, description }) => ({ id, token, description }));
  }

  /** Explicit (not virtual) DBRP mappings, for assertions. */
  explicitDbrps(): Dbrp[] {
    return [...this.dbrps.values()];
  }

  private async createBucket(name: string): Promise<Bucket> {
    const bucket: Bucket = { id: id(), name, orgID: this.orgId, database: `bucket_${id()}` };
    const res = await fetch(`${this.options.influxUrl}/query`, {
      method: 'POST',
      body: new URLSearchParams({ q: `CREATE DATABASE "${bucket.database}"` }),
    });
    if (!res.ok) throw new Error(`influxd refused CREATE DATABASE: ${await res.text()}`);
    this.buckets.set(bucket.id, bucket);
    return bucket;
  }

  /** Explicit mappings first, then the virtual mapping of a bucket named like the database. */
  private allDbrps(): Dbrp[] {
    const explicit = [...this.dbrps.values()];
    const virtual = [...this.buckets.values()]
      .filter((b) => !explicit.some((d) => d.database === b.name))
      .map((b) => ({
        id: `virtual-${b.id}`,
        orgID: b.orgID,
        bucketID: b.id,
        database: b.name,
        retention_policy: 'autogen',
        default: true,
        virtual: true,
      }));
    return [...explicit, ...virtual];
  }

  private tokenOf(req: IncomingMessage): Authorization | undefined {
    const m = /^Token (.+)$/.exec(String(req.headers.authorization ?? ''));
    if (!m) return undefined;
    return [...this.authorizations.values()].find((a) => a.token === m[1] && a.status === 'active');
  }

  private hasSession(req: IncomingMessage): boolean {
    const m = /influxdb-oss-session=([^;]+)/.exec(String(req.headers.cookie ?? ''));
    return m !== null && this.sessions.has(m[1] as string);
  }

  private may(auth: Authorization, action: 'read' | 'write', bucketId: string): boolean {
    return auth.permissions.some(
      (p) =>
        p.action === action &&
        p.resource.type === 'buckets' &&
        (p.resource.id === undefined || p.resource.id === bucketId),
    );
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const body = await readBody(req);
    const status = await this.route(req, res, url, body);
    this.calls.push({ method: req.method ?? '', path: url.pathname, status });
  }

  private async route(req: IncomingMessage, res: ServerResponse, url: URL, body: string): Promise<number> {
    const send = (status: number, payload?: unknown) => {
      json(res, status, payload);
      return status;
    };
    const path = url.pathname;
    if (path === '/ping') return send(204);
    if (path === '/write' || path === '/query') return this.v1(req, res, url, body, path);
    if (req.method === 'POST' && path === '/api/v2/signin') {
      const expected = `Basic ${Buffer.from(`${this.options.username}:${this.options.password}`).toString('base64')}`;
      if (req.headers.authorization !== expected)
        return send(401, { code: 'unauthorized', message: 'Unauthorized' });
      const session = randomBytes(16).toString('base64url');
      this.sessions.add(session);
      res.writeHead(204, { 'set-cookie': `influxdb-oss-session=${session}; Path=/api/; HttpOnly` }).end();
      return 204;
    }
    const token = this.tokenOf(req);
    const admin = this.hasSession(req);
    if (!admin && token === undefined) return send(401, unauthorized);
    const bucketById = /^\/api\/v2\/buckets\/([^/]+)$/.exec(path);
    if (req.method === 'GET' && bucketById) {
      const bucket = this.buckets.get(bucketById[1] as string);
      if (!bucket) return send(404, { code: 'not found', message: 'bucket not found' });
      if (!admin && !(token && this.may(token, 'read', bucket.id)))
        return send(404, { code: 'not found', message: 'bucket not found' });
      return send(200, { id: bucket.id, name: bucket.name, orgID: bucket.orgID, retentionRules: [] });
    }
    // The rest is administration: this stand-in lets only the admin session do it.
    if (!admin) return send(403, { code: 'forbidden', message: 'insufficient permissions' });
    if (req.method === 'GET' && path === '/api/v2/orgs') {
      const name = url.searchParams.get('org');
      const orgs =
        name === null || name === this.options.organization
          ? [{ id: this.orgId, name: this.options.organization }]
          : [];
      if (orgs.length === 0)
        return send(404, { code: 'not found', message: `organization name "${name}" not found` });
      return send(200, { orgs });
    }
    if (req.method === 'GET' && path === '/api/v2/buckets') {
      const name = url.searchParams.get('name');
      const buckets = [...this.buckets.values()].filter((b) => name === null || b.name === name);
      return send(200, {
        buckets: buckets.map(({ id, name, orgID }) => ({ id, name, orgID, retentionRules: [] })),
      });
    }
    if (req.method === 'POST' && path === '/api/v2/buckets') {
      const input = JSON.parse(body) as { orgID?: string; name?: string };
      if (input.orgID !== this.orgId || !input.name)
        return send(400, { code: 'invalid', message: 'orgID and name are required' });
      if ([...this.buckets.values()].some((b) => b.name === input.name)) {
        return send(422, { code: 'conflict', message: `bucket with name ${input.name} already exists` });
      }
      const bucket = await this.createBucket(input.name);
      return send(201, { id: bucket.id, name: bucket.name, orgID: bucket.orgID, retentionRules: [] });
    }
    if (req.method === 'GET' && path === '/api/v2/dbrps') {
      const db = url.searchParams.get('db');
      return send(200, { content: this.allDbrps().filter((d) => db === null || d.database === db) });
    }
    if (req.method === 'POST' && path === '/api/v2/dbrps') {
      const input = JSON.parse(body) as Partial<Dbrp> & { bucketID?: string };
      if (
        !input.bucketID ||
        !this.buckets.has(input.bucketID) ||
        !input.database ||
        !input.retention_policy
      ) {
        return send(400, {
          code: 'invalid',
          message: 'bucketID, database and retention_policy are required',
        });
      }
      const dbrp: Dbrp = {
        id: id(),
        orgID: this.orgId,
        bucketID: input.bucketID,
        database: input.database,
        retention_policy: input.retention_policy,
        default: input.default ?? false,
        virtual: false,
      };
      // "A DBRP combination can only be mapped to a single bucket": a new mapping replaces the old.
      for (const [k, d] of this.dbrps)
        if (d.database === dbrp.database && d.retention_policy === dbrp.retention_policy)
          this.dbrps.delete(k);
      this.dbrps.set(dbrp.id, dbrp);
      return send(201, { content: dbrp });
    }
    if (req.method === 'GET' && path === '/api/v2/authorizations') {
      return send(200, { authorizations: [...this.authorizations.values()] });
    }
    if (req.method === 'POST' && path === '/api/v2/authorizations') {
      const input = JSON.parse(body) as Partial<Authorization>;
      if (input.orgID !== this.orgId || !Array.isArray(input.permissions) || input.permissions.length === 0) {
        return send(400, { code: 'invalid', message: 'orgID and permissions are required' });
      }
      const auth: Authorization = {
        id: id(),
        token: randomBytes(32).toString('base64url'),
        description: input.description ?? '',
        orgID: this.orgId,
        status: input.status ?? 'active',
        permissions: input.permissions,
      };
      this.authorizations.set(auth.id, auth);
      return send(201, auth);
    }
    const authById = /^\/api\/v2\/authorizations\/([^/]+)$/.exec(path);
    if (req.method === 'DELETE' && authById) {
      if (!this.authorizations.delete(authById[1] as string))
        return send(404, { code: 'not found', message: 'authorization not found' });
      return send(204);
    }
    return send(404, { code: 'not found', message: 'path not found' });
  }

  private async v1(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    body: string,
    path: string,
  ): Promise<number> {
    const form = path === '/query' && req.method === 'POST' ? new URLSearchParams(body) : undefined;
    const param = (name: string) => url.searchParams.get(name) ?? form?.get(name) ?? null;
    const token = this.tokenOf(req);
    if (token === undefined) {
      json(res, 401, unauthorized);
      return 401;
    }
    const db = param('db');
    const rp = param('rp');
    const dbrp = this.allDbrps().find(
      (d) => d.database === db && (rp === null ? d.default : d.retention_policy === rp),
    );
    const bucket = dbrp && this.buckets.get(dbrp.bucketID);
    if (!bucket) {
      json(res, 404, { code: 'not found', message: `database not found: ${db}` });
      return 404;
    }
    const action = path === '/write' ? 'write' : 'read';
    if (!this.may(token, action, bucket.id)) {
      json(res, 403, { code: 'forbidden', message: `insufficient permissions for ${action}` });
      return 403;
    }
    const forward = new URL(path, this.options.influxUrl);
    for (const [k, v] of url.searchParams) forward.searchParams.set(k, v);
    forward.searchParams.set('db', bucket.database);
    forward.searchParams.delete('rp');
    let forwardBody = body;
    if (form) {
      form.set('db', bucket.database);
      form.delete('rp');
      forwardBody = form.toString();
    }
    const answer = await fetch(forward, {
      method: req.method ?? 'GET',
      headers: { 'content-type': String(req.headers['content-type'] ?? 'text/plain') },
      ...(req.method === 'GET' ? {} : { body: forwardBody }),
    });
    const text = await answer.text();
    res
      .writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' })
      .end(text);
    return answer.status;
  }
}

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeServer, isSigned, listenOnLoopback, readBody } from './httpStandIn.js';

/**
 * TEST AID, not a Secrets Manager implementation: an HTTP server on 127.0.0.1 that speaks the wire protocol of
 * the four calls the pipeline makes (AWS JSON 1.1: POST /, X-Amz-Target secretsmanager.<Action>) well enough for
 * the unmodified SDK client given an `endpoint`, and keeps the documented version-stage rules (Secrets Manager
 * API Reference):
 * - GetSecretValue: VersionId and/or VersionStage, AWSCURRENT when neither; ResourceNotFoundException when no
 *   version matches ("Secrets Manager can't find the specified secret value for staging label");
 * - PutSecretValue: ClientRequestToken is the new version's id; VersionStages default to AWSCURRENT; a stage
 *   moves off the version that had it, and the version losing AWSCURRENT gets AWSPREVIOUS; the same token with
 *   the same value is idempotent, with another value a ResourceExistsException;
 * - DescribeSecret: VersionIdsToStages;
 * - UpdateSecretVersionStage: moving AWSCURRENT requires RemoveFromVersionId naming its holder
 *   (InvalidParameterException otherwise), and the previous holder gets AWSPREVIOUS.
 * Every call must be SigV4-signed, as the SDK signs it.
 */

interface Version {
  value: string;
  stages: Set<string>;
}

/** One call as the stand-in saw it. */
export interface SecretsCall {
  action: string;
  secretId: string;
  signed: boolean;
}

class ServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** The Secrets Manager stand-in (see the module comment). */
export class SecretsManagerStandIn {
  readonly calls: SecretsCall[] = [];
  private readonly secrets = new Map<string, Map<string, Version>>();

  private constructor(
    private readonly server: Server,
    readonly endpoint: string,
  ) {}

  static async start(): Promise<SecretsManagerStandIn> {
    let standIn: SecretsManagerStandIn | undefined;
    const server = createServer((req, res) => {
      void standIn?.handle(req, res);
    });
    standIn = new SecretsManagerStandIn(server, await listenOnLoopback(server));
    return standIn;
  }

  /** Creates a secret (as the stack's CreateSecret would), optionally with a first AWSCURRENT value. */
  create(secretId: string, value?: string): void {
    const versions = new Map<string, Version>();
    if (value !== undefined) versions.set(randomUUID(), { value, stages: new Set(['AWSCURRENT']) });
    this.secrets.set(secretId, versions);
  }

  /** The AWSCURRENT value, for assertions. */
  current(secretId: string): string | undefined {
    return this.find(secretId, undefined, 'AWSCURRENT')?.[1].value;
  }

  async stop(): Promise<void> {
    await closeServer(this.server);
  }

  private versions(secretId: string): Map<string, Version> {
    const versions = this.secrets.get(secretId);
    if (!versions)
      throw new ServiceError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    return versions;
  }

  private find(secretId: string, versionId?: string, stage?: string): [string, Version] | undefined {
    for (const [id, v] of this.versions(secretId)) {
      if (versionId !== undefined && id !== versionId) continue;
      if (stage !== undefined && !v.stages.has(stage)) continue;
      return [id, v];
    }
    return undefined;
  }

  /** Puts `stage` on `versionId`, taking it off any other version; AWSCURRENT's old holder becomes AWSPREVIOUS. */
  private moveStage(secretId: string, stage: string, versionId: string): void {
    for (const [id, v] of this.versions(secretId)) {
      if (id === versionId || !v.stages.has(stage)) continue;
      v.stages.delete(stage);
      if (stage === 'AWSCURRENT') {
        for (const other of this.versions(secretId).values()) other.stages.delete('AWSPREVIOUS');
        v.stages.add('AWSPREVIOUS');
      }
    }
    this.versions(secretId).get(versionId)?.stages.add(stage);
  }

  private act(action: string, input: Record<string, unknown>): unknown {
    const secretId = String(input.SecretId ?? '');
    switch (action) {
      case 'GetSecretValue': {
        const versionId = input.VersionId as string | undefined;
        const stage =
          (input.VersionStage as string | undefined) ?? (versionId === undefined ? 'AWSCURRENT' : undefined);
        const found = this.find(secretId, versionId, stage);
        if (!found) {
          throw new ServiceError(
            'ResourceNotFoundException',
            `Secrets Manager can't find the specified secret value for staging label: ${stage ?? versionId}`,
          );
        }
        return {
          ARN: secretId,
          Name: secretId,
          VersionId: found[0],
          SecretString: found[1].value,
          VersionStages: [...found[1].stages],
          CreatedDate: Date.now() / 1000,
        };
      }
      case 'PutSecretValue': {
        const versionId = (input.ClientRequestToken as string | undefined) ?? randomUUID();
        const value = String(input.SecretString ?? '');
        const stages = (input.VersionStages as string[] | undefined) ?? ['AWSCURRENT'];
        const versions = this.versions(secretId);
        const existing = versions.get(versionId);
        if (existing && existing.value !== value) {
          throw new ServiceError(
            'ResourceExistsException',
            'A resource with the ID you requested already exists.',
          );
        }
        if (!existing) versions.set(versionId, { value, stages: new Set() });
        for (const stage of stages) this.moveStage(secretId, stage, versionId);
        return { ARN: secretId, Name: secretId, VersionId: versionId, VersionStages: stages };
      }
      case 'DescribeSecret': {
        const toStages: Record<string, string[]> = {};
        for (const [id, v] of this.versions(secretId)) if (v.stages.size > 0) toStages[id] = [...v.stages];
        return { ARN: secretId, Name: secretId, VersionIdsToStages: toStages };
      }
      case 'UpdateSecretVersionStage': {
        const stage = String(input.VersionStage);
        const move = input.MoveToVersionId as string | undefined;
        const remove = input.RemoveFromVersionId as string | undefined;
        const holder = this.find(secretId, undefined, stage)?.[0];
        if (move !== undefined && holder !== undefined && holder !== move && remove !== holder) {
          throw new ServiceError(
            'InvalidParameterException',
            `The parameter RemoveFromVersionId can't be empty. Staging label ${stage} is currently attached to version ${holder}, so you must explicitly reference that version in RemoveFromVersionId.`,
          );
        }
        if (move !== undefined) {
          if (!this.versions(secretId).has(move))
            throw new ServiceError('ResourceNotFoundException', `no version ${move}`);
          this.moveStage(secretId, stage, move);
        } else if (remove !== undefined) this.versions(secretId).get(remove)?.stages.delete(stage);
        return { ARN: secretId, Name: secretId };
      }
      default:
        throw new ServiceError('UnknownOperationException', `${action} is not served by this stand-in`);
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const action = String(req.headers['x-amz-target'] ?? '').replace(/^secretsmanager\./, '');
    let input: Record<string, unknown> = {};
    try {
      input = JSON.parse(body || '{}') as Record<string, unknown>;
    } catch {
      // answered below as a validation error
    }
    this.calls.push({ action, secretId: String(input.SecretId ?? ''), signed: isSigned(req) });
    try {
      if (!isSigned(req))
        throw new ServiceError(
          'MissingAuthenticationTokenException',
          'Request is missing Authentication Token',
        );
      const out = this.act(action, input);
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(out));
    } catch (error) {
      const e =
        error instanceof ServiceError ? error : new ServiceError('InternalServiceError', String(error));
      res
        .writeHead(e.type === 'InternalServiceError' ? 500 : 400, {
          'content-type': 'application/x-amz-json-1.1',
        })
        .end(JSON.stringify({ __type: e.type, message: e.message }));
    }
  }
}

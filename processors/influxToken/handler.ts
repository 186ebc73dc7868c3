import { PfmError } from '../../kernel/errors.js';
import {
  type Provisioned,
  provisionToken,
  ROTATION_STEPS,
  type RotationStep,
  revokeAllTokens,
  rotateToken,
} from './core.js';
import type { InfluxAdmin, TokenSecret, TokenSettings } from './types.js';

/** A custom resource event as the CDK Provider framework hands it to its onEvent function. */
export interface ProviderEvent {
  RequestType: 'Create' | 'Update' | 'Delete';
  RequestId: string;
  PhysicalResourceId?: string;
  ResourceProperties?: Record<string, unknown>;
}

/** What the onEvent function answers the Provider framework. */
export interface ProviderResponse {
  PhysicalResourceId: string;
  Data?: Record<string, string>;
}

/** A Secrets Manager rotation invocation ("Lambda rotation functions": Step, SecretId, ClientRequestToken). */
export interface RotationEvent {
  Step: string;
  SecretId: string;
  ClientRequestToken: string;
}

export interface InfluxTokenDeps {
  admin: InfluxAdmin;
  secret: TokenSecret;
  settings: TokenSettings;
  /** The token secret's ARN: a rotation of any other secret is refused. */
  tokenSecretArn: string;
  log?: (message: string, details: Record<string, unknown>) => void;
}

function isRotation(event: unknown): event is RotationEvent {
  const e = event as Partial<RotationEvent> | null;
  return (
    typeof e?.Step === 'string' && typeof e.SecretId === 'string' && typeof e.ClientRequestToken === 'string'
  );
}

function isProviderEvent(event: unknown): event is ProviderEvent {
  const e = event as Partial<ProviderEvent> | null;
  return (
    (e?.RequestType === 'Create' || e?.RequestType === 'Update' || e?.RequestType === 'Delete') &&
    typeof e.RequestId === 'string'
  );
}

/**
 * One function, two callers: CloudFormation (through the Provider framework) makes the token at deploy time and
 * revokes it on delete; Secrets Manager rotates it on its schedule. Both write the same secret and label their
 * tokens the same way, so each revokes exactly the tokens it replaced.
 */
export function createInfluxTokenHandler(
  deps: InfluxTokenDeps,
): (event: unknown) => Promise<ProviderResponse | undefined> {
  const physicalId = `influx-token:${deps.settings.bucket}`;
  return async (event) => {
    if (isRotation(event)) {
      if (event.SecretId !== deps.tokenSecretArn) {
        throw new PfmError(
          'CONFIG_INVALID',
          `this function rotates ${deps.tokenSecretArn} only, not ${event.SecretId}`,
        );
      }
      if (!(ROTATION_STEPS as readonly string[]).includes(event.Step)) {
        throw new PfmError('CONFIG_INVALID', `unknown rotation step "${event.Step}"`);
      }
      await rotateToken(deps, deps.settings, event.Step as RotationStep, event.ClientRequestToken);
      deps.log?.('rotation step done', { step: event.Step, version: event.ClientRequestToken });
      return undefined;
    }
    if (!isProviderEvent(event)) {
      throw new PfmError(
        'CONFIG_INVALID',
        'expected a CloudFormation custom resource event (RequestType, RequestId) or a Secrets Manager rotation event (Step, SecretId, ClientRequestToken)',
      );
    }
    if (event.RequestType === 'Delete') {
      try {
        const revoked = await revokeAllTokens(deps.admin, deps.settings);
        deps.log?.('tokens revoked', { revoked });
      } catch (error) {
        // The stack must be deletable even when the (retained) instance cannot be reached: the token secret goes
        // with the stack, and the admin can revoke what is left in the InfluxDB UI.
        deps.log?.('could not revoke the tokens; revoke them in InfluxDB', { error: String(error) });
      }
      return { PhysicalResourceId: event.PhysicalResourceId ?? physicalId };
    }
    const done: Provisioned = await provisionToken(deps, deps.settings, event.RequestId);
    deps.log?.('token provisioned', { ...done });
    return {
      PhysicalResourceId: physicalId,
      Data: { BucketId: done.bucketId, OrgId: done.orgId, AuthorizationId: done.authorizationId },
    };
  };
}

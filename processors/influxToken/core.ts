import { PfmError } from '../../kernel/errors.js';
import type { InfluxAdmin, TokenSecret, TokenSettings } from './types.js';

/** The description of the token of one secret version: the label finds them all, the version finds one. */
export function tokenDescription(label: string, versionId: string): string {
  return `${label} (version ${versionId})`;
}

/** What exists after {@link ensureBucket}: the organization and bucket the token is scoped to. */
export interface BucketIds {
  orgId: string;
  bucketId: string;
}

/**
 * The bucket, and the database/retention-policy mapping the 1.x `/write` and `/query` APIs need to find it
 * (InfluxDB 2.x, "Database and retention policy mapping"). Idempotent: what exists is kept. A database already
 * mapped to another bucket is refused rather than remapped, since data would then go somewhere unexpected.
 */
export async function ensureBucket(admin: InfluxAdmin, s: TokenSettings): Promise<BucketIds> {
  const orgId = await admin.organizationId(s.organization);
  const bucketId = (await admin.findBucket(orgId, s.bucket)) ?? (await admin.createBucket(orgId, s.bucket));
  const dbrp = await admin.findDbrp(orgId, s.database);
  if (dbrp === undefined) await admin.createDbrp(orgId, bucketId, s.database);
  else if (dbrp.bucketId !== bucketId) {
    throw new PfmError(
      'CONFIG_INVALID',
      `InfluxDB database "${s.database}" is already mapped to bucket ${dbrp.bucketId}, not to "${s.bucket}" (${bucketId}); remove that DBRP mapping (influx v1 dbrp delete --id ${dbrp.id}) or choose another bucket`,
    );
  }
  return { orgId, bucketId };
}

/** Revokes this secret's tokens (found by their label) except `keepDescription`'s; returns how many. */
export async function revokeOtherTokens(
  admin: InfluxAdmin,
  orgId: string,
  label: string,
  keepDescription?: string,
): Promise<number> {
  const stale = (await admin.listAuthorizations(orgId)).filter(
    (a) => a.description.startsWith(`${label} (`) && a.description !== keepDescription,
  );
  for (const a of stale) await admin.deleteAuthorization(a.id);
  return stale.length;
}

/** What the custom resource reports back to CloudFormation. */
export interface Provisioned extends BucketIds {
  authorizationId: string;
  revoked: number;
}

/**
 * The stack's token, made at deploy time (custom resource Create and Update): bucket and mapping ensured, a new
 * token scoped to the bucket written to the secret as its current version, and the tokens it replaced revoked
 * (warm functions read the secret again on their next 401).
 */
export async function provisionToken(
  deps: { admin: InfluxAdmin; secret: TokenSecret },
  s: TokenSettings,
  versionId: string,
): Promise<Provisioned> {
  const ids = await ensureBucket(deps.admin, s);
  const description = tokenDescription(s.tokenLabel, versionId);
  const { id, token } = await deps.admin.createBucketToken(ids.orgId, ids.bucketId, description);
  await deps.secret.put(token, { versionId, stages: ['AWSCURRENT'] });
  const revoked = await revokeOtherTokens(deps.admin, ids.orgId, s.tokenLabel, description);
  return { ...ids, authorizationId: id, revoked };
}

/** The stack is deleted: its tokens are revoked (the instance is retained; its admin can still sign in). */
export async function revokeAllTokens(admin: InfluxAdmin, s: TokenSettings): Promise<number> {
  const orgId = await admin.organizationId(s.organization);
  return revokeOtherTokens(admin, orgId, s.tokenLabel);
}

/** The four steps of a Secrets Manager rotation ("How rotation works", Lambda rotation functions). */
export const ROTATION_STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
export type RotationStep = (typeof ROTATION_STEPS)[number];

/**
 * One step of a rotation of the token secret. createSecret makes the new token in InfluxDB and stores it as
 * AWSPENDING (once per version); setSecret has nothing left to do (the token is live from its creation);
 * testSecret checks that the pending token can read the bucket; finishSecret makes it AWSCURRENT and revokes the
 * tokens it replaced.
 */
export async function rotateToken(
  deps: { admin: InfluxAdmin; secret: TokenSecret },
  s: TokenSettings,
  step: RotationStep,
  versionId: string,
): Promise<void> {
  const { admin, secret } = deps;
  switch (step) {
    case 'createSecret': {
      if ((await secret.read({ versionId, stage: 'AWSPENDING' })) !== undefined) return;
      const ids = await ensureBucket(admin, s);
      const { token } = await admin.createBucketToken(
        ids.orgId,
        ids.bucketId,
        tokenDescription(s.tokenLabel, versionId),
      );
      await secret.put(token, { versionId, stages: ['AWSPENDING'] });
      return;
    }
    case 'setSecret':
      return;
    case 'testSecret': {
      const token = await secret.read({ versionId, stage: 'AWSPENDING' });
      const ids = await ensureBucket(admin, s);
      if (token === undefined || !(await admin.tokenCanRead(token, ids.bucketId))) {
        throw new PfmError(
          'CONFIG_INVALID',
          `the pending token (version ${versionId}) cannot read bucket "${s.bucket}"; the rotation stops here and the current token stays`,
        );
      }
      return;
    }
    case 'finishSecret': {
      const stages = await secret.stages();
      const current = Object.entries(stages).find(([, labels]) => labels.includes('AWSCURRENT'))?.[0];
      if (current !== versionId) await secret.makeCurrent(versionId, current);
      const orgId = await admin.organizationId(s.organization);
      await revokeOtherTokens(admin, orgId, s.tokenLabel, tokenDescription(s.tokenLabel, versionId));
      return;
    }
  }
}

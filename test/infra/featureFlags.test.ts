import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FeatureFlags } from 'aws-cdk-lib';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../infra/bundling.js';
import { cdkJsonFeatureFlags } from '../../infra/featureFlags.js';
import { synth } from './synth.js';

/** What `cdk init` writes into a new project's cdk.json: the flags the installed CLI was built with. */
const CDK_INIT_FLAGS = JSON.parse(
  readFileSync(
    join(PROJECT_ROOT, 'node_modules/aws-cdk/lib/init-templates/.recommended-feature-flags.json'),
    'utf8',
  ),
) as Record<string, unknown>;

describe('cdk.json feature flags', () => {
  it('sets every flag `cdk init` writes, with the value it writes', () => {
    expect(Object.keys(CDK_INIT_FLAGS).length).toBeGreaterThan(50);
    expect(cdkJsonFeatureFlags()).toEqual(CDK_INIT_FLAGS);
  });

  it('sets every flag the installed aws-cdk-lib recommends (an upgrade that adds one fails here)', () => {
    expect(cdkJsonFeatureFlags()).toEqual(cxapi.CURRENTLY_RECOMMENDED_FLAGS);
  });

  it('reaches the stacks the tests synthesize', () => {
    const { stack } = synth();
    expect(FeatureFlags.of(stack).isEnabled(cxapi.EVENTS_TARGET_QUEUE_SAME_ACCOUNT)).toBe(true);
    expect(FeatureFlags.of(stack).isEnabled(cxapi.IAM_MINIMIZE_POLICIES)).toBe(true);
  });
});

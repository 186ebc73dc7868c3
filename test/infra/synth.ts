import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { PfmStackSettings } from '../../infra/config.js';
import { cdkJsonFeatureFlags } from '../../infra/featureFlags.js';
import { PfmStack } from '../../infra/PfmStack.js';

/** Settings that switch every optional part on, for tests that want the whole stack. */
export const FULL_SETTINGS = {
  stream: { capacity: 'provisioned', shardCount: 4, retentionHours: 48 },
  alerts: { email: 'ops@example.com' },
  simulator: { enabled: true, rateMinutes: 5, readingsPerRun: 200 },
  agent: { enabled: true, foundationModelId: 'anthropic.claude-3-haiku-20240307-v1:0' },
} as const satisfies PfmStackSettings;

/** The store for the accounts that have Timestream for LiveAnalytics (the default is InfluxDB). */
export const TIMESTREAM_SETTINGS = { sink: { kind: 'timestream' } } as const satisfies PfmStackSettings;

export const INFLUX_SETTINGS = {
  sink: { kind: 'influxdb' },
  agent: { enabled: true, foundationModelId: 'us.anthropic.claude-3-5-haiku-20241022-v1:0' },
} as const satisfies PfmStackSettings;

const cache = new Map<string, { app: App; stack: PfmStack; template: Template }>();

/** The context `cdk synth` gives the app (cdk.json's feature flags), with bundling skipped. */
export function testContext(): Record<string, unknown> {
  return { ...cdkJsonFeatureFlags(), 'aws:cdk:bundling-stacks': [] };
}

/**
 * The stack for these settings, synthesized once per test file under cdk.json's feature flags with bundling
 * skipped (the assets are then placeholders; test/infra/bundle.test.ts bundles for real).
 */
export function synth(settings: PfmStackSettings = {}): { app: App; stack: PfmStack; template: Template } {
  const key = JSON.stringify(settings);
  let entry = cache.get(key);
  if (entry === undefined) {
    const app = new App({ context: testContext() });
    const stack = new PfmStack(app, 'PfmStack', { settings });
    entry = { app, stack, template: Template.fromStack(stack) };
    cache.set(key, entry);
  }
  return entry;
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from './bundling.js';

/** Feature flags are the context keys under these namespaces (aws-cdk-lib's cx-api/lib/features.ts). */
const FLAG_PREFIXES = ['@aws-cdk/', '@aws-cdk-containers/'] as const;

/**
 * The CDK feature flags cdk.json sets: `cdk synth` hands them to the app as context, so an app built in code
 * (tests, the bundle probe) takes them from here to synthesize the template the CLI would.
 */
export function cdkJsonFeatureFlags(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  return Object.fromEntries(
    Object.entries(cdkJson.context ?? {}).filter(([key]) => FLAG_PREFIXES.some((p) => key.startsWith(p))),
  );
}

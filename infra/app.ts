import { pathToFileURL } from 'node:url';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { PfmError } from '../kernel/errors.js';
import type { PfmStackSettings } from './config.js';
import { PfmStack } from './PfmStack.js';

/** Context key holding the stack settings: an object in cdk.json, or JSON text from `cdk -c pfm='{...}'`. */
export const SETTINGS_CONTEXT_KEY = 'pfm';

/** The settings from the app's context, parsed when they were passed on the command line. */
export function settingsFromContext(app: App): PfmStackSettings {
  const value: unknown = app.node.tryGetContext(SETTINGS_CONTEXT_KEY);
  if (value === undefined || value === null) return {};
  if (typeof value !== 'string') return value as PfmStackSettings;
  try {
    return JSON.parse(value) as PfmStackSettings;
  } catch (cause) {
    throw new PfmError('CONFIG_INVALID', `context "${SETTINGS_CONTEXT_KEY}" is not valid JSON: ${value}`, {
      cause,
    });
  }
}

/** The CDK app: one PfmStack, checked by cdk-nag's AwsSolutions pack at synth. */
export function buildApp(app: App = new App()): { app: App; stack: PfmStack } {
  const stack = new PfmStack(app, 'PfmStack', {
    description: 'pfm-stream: Kinesis readings -> ONNX scoring -> time-series store, drift events, alarms',
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
    settings: settingsFromContext(app),
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) buildApp();

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/app.js';
import { FULL_SETTINGS, INFLUX_SETTINGS, synth, testContext } from './synth.js';

/** Every acknowledgement in the tree, with the construct it sits on. */
function acknowledgements(root: IConstruct): { path: string; id: string; reason: string }[] {
  const found: { path: string; id: string; reason: string }[] = [];
  for (const c of root.node.findAll()) {
    for (const entry of c.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        found.push({ path: c.node.path, id: id.replace(/^annotation::/i, ''), reason });
      }
    }
  }
  return found;
}

describe('cdk-nag AwsSolutions', () => {
  it.each([
    ['default (Timestream, simulator off, no agent)', {}],
    ['everything on (provisioned stream, email, simulator, agent)', FULL_SETTINGS],
    ['InfluxDB with an inference-profile agent', INFLUX_SETTINGS],
  ])('finds no unacknowledged error or warning: %s', (_name, settings) => {
    const { app } = synth(settings);
    const report = new AwsSolutionsChecks().validateScope(app);
    const findings = report.violations.map(
      (v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
    );
    expect(findings).toEqual([]);
    expect(report.success).toBe(true);
  });

  it.each([
    ['default', {}],
    ['everything on', FULL_SETTINGS],
    ['InfluxDB', INFLUX_SETTINGS],
  ])('gives every acknowledgement a reason of its own: %s', (_name, settings) => {
    // Only ours: CDK acknowledges some of its own template checks (CloudFormation-Validate::...) itself.
    const acks = acknowledgements(synth(settings).app).filter((a) => a.id.startsWith('AwsSolutions-'));
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(ack.id, ack.path).toMatch(/^AwsSolutions-[A-Z]+\d+(\[.+\])?$/);
      expect(ack.reason.length, `${ack.path} ${ack.id}`).toBeGreaterThanOrEqual(40);
    }
  });

  describe('as the app runs it (Validations plugin)', () => {
    const outdirs: string[] = [];
    afterAll(() => {
      for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
    });

    it('synthesizes the app of infra/app.ts with the plugin and no report', () => {
      const outdir = mkdtempSync(join(tmpdir(), 'pfm-nag-'));
      outdirs.push(outdir);
      const { app } = buildApp(new App({ outdir, context: testContext() }));
      // A failing policy validation makes synth throw with the report.
      expect(() => app.synth()).not.toThrow();
    });

    it('fails the synth when a finding is not acknowledged', () => {
      const outdir = mkdtempSync(join(tmpdir(), 'pfm-nag-'));
      outdirs.push(outdir);
      const { app, stack } = buildApp(new App({ outdir, context: testContext() }));
      // An unencrypted queue without a DLQ: SQS2, SQS3 and SQS4 findings the stack does not acknowledge.
      new sqs.Queue(stack, 'Unchecked', { encryption: sqs.QueueEncryption.UNENCRYPTED });
      expect(() => app.synth()).toThrow(/AwsSolutions-SQS/);
    });
  });
});

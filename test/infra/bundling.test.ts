import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { afterAll, describe, expect, it } from 'vitest';
import {
  bundleDir,
  handlerPath,
  ONNX_PLATFORM,
  onnxRuntimeBinaryDir,
  PROJECT_ROOT,
  packageDir,
  packageLayoutCommands,
  shellQuote,
} from '../../infra/bundling.js';
import { PfmFunction } from '../../infra/constructs/PfmFunction.js';
import { PfmError } from '../../kernel/errors.js';

const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

describe('bundle layout', () => {
  it.each([
    ['processors/inference/lambda.ts', 'processors/inference', 'processors/inference/index.handler'],
    ['stream/simulator/lambda.ts', 'stream/simulator', 'stream/simulator/index.handler'],
  ])('puts %s in its own folder', (entry, dir, handler) => {
    expect(bundleDir(entry)).toBe(dir);
    expect(handlerPath(entry)).toBe(handler);
  });

  it.each([
    ['plain', 'plain'],
    ['with space', 'with space'],
    ["it's", "it's"],
    ['$HOME `x` "q"', '$HOME `x` "q"'],
  ])('quotes %s for the shell', (arg, expected) => {
    expect(execFileSync('bash', ['-c', `printf '%s' ${shellQuote(arg)}`]).toString()).toBe(expected);
  });

  it('finds installed packages, also those whose exports map hides package.json', () => {
    expect(existsSync(join(packageDir('onnxruntime-node'), 'package.json'))).toBe(true);
    expect(
      existsSync(join(packageDir('onnxruntime-common', packageDir('onnxruntime-node')), 'package.json')),
    ).toBe(true);
    expect(() => packageDir('no-such-package-pfm')).toThrow(PfmError);
  });

  it(`locates the ${ONNX_PLATFORM.platform}-${ONNX_PLATFORM.arch} binding, or says the install lacks it`, () => {
    expect(onnxRuntimeBinaryDir()).toMatch(/bin\/napi-v\d+\/linux\/x64$/);
    const fake = mkdtempSync(join(tmpdir(), 'pfm-ort-'));
    temps.push(fake);
    mkdirSync(join(fake, 'bin', 'napi-v6', 'darwin', 'arm64'), { recursive: true });
    expect(() => onnxRuntimeBinaryDir(fake)).toThrow(/linux-x64 binding/);
  });

  it('lays out a package the way the handler and the codec expect (commands run for real)', () => {
    const out = mkdtempSync(join(tmpdir(), 'pfm-layout-'));
    temps.push(out);
    writeFileSync(join(out, 'index.mjs'), 'export const handler = () => 1;\n');
    const commands = packageLayoutCommands(PROJECT_ROOT, out, {
      entry: 'processors/inference/lambda.ts',
      model: true,
      onnxRuntime: true,
    });
    for (const command of commands) execFileSync('bash', ['-c', command], { cwd: PROJECT_ROOT });
    expect(existsSync(join(out, 'index.mjs'))).toBe(false);
    expect(existsSync(join(out, 'processors', 'inference', 'index.mjs'))).toBe(true);
    expect(readdirSync(join(out, 'schemas')).sort()).toEqual(['reading.v1.avsc', 'reading.v2.avsc']);
    expect(existsSync(join(out, 'model', 'artifacts', 'model.onnx'))).toBe(true);
    const platforms = readdirSync(join(out, 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6'));
    expect(platforms).toEqual(['linux']);
    expect(readdirSync(join(out, 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6', 'linux'))).toEqual([
      'x64',
    ]);
  });

  it('leaves the model and ONNX Runtime out when a function does not need them', () => {
    const commands = packageLayoutCommands('/in', '/out', {
      entry: 'stream/simulator/lambda.ts',
      model: false,
      onnxRuntime: false,
    });
    expect(commands.join('\n')).not.toMatch(/model|onnxruntime/);
    expect(commands.join('\n')).toContain("'/out/stream/simulator'");
  });
});

describe('PfmFunction', () => {
  it('fails with a clear message when the entry point is missing', () => {
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'S');
    expect(
      () =>
        new PfmFunction(stack, 'Missing', {
          entry: 'processors/nothing-here/lambda.ts',
          serviceName: 'pfm-x',
          description: 'x',
          memoryMb: 128,
          timeoutSeconds: 3,
        }),
    ).toThrow(/S\/Missing: Lambda entry point processors\/nothing-here\/lambda\.ts does not exist/);
  });
});

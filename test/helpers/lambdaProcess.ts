import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A deployed function's package run as Lambda runs it: one long-lived Node process (an execution environment)
 * that imports the module named by the function's `Handler` setting from the package folder (LAMBDA_TASK_ROOT)
 * and calls the exported handler once per invocation, so module-scope state survives between invocations as in
 * a warm environment. The environment holds only what is given (the template's variables, the Lambda reserved
 * ones the caller sets, PATH): nothing of the test process leaks in.
 */

const RUNTIME = `
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
const [modulePath, exportName] = [process.env._HANDLER.replace(/\\.[^.]+$/, ''), process.env._HANDLER.split('.').pop()];
const base = join(process.env.LAMBDA_TASK_ROOT, modulePath);
const file = ['.mjs', '.js', '.cjs'].map((ext) => base + ext).find((f) => existsSync(f));
if (file === undefined) throw new Error('Runtime.ImportModuleError: no module for ' + process.env._HANDLER);
const mod = await import(pathToFileURL(file).href);
const handler = mod[exportName];
if (typeof handler !== 'function') throw new Error('Runtime.HandlerNotFound: ' + process.env._HANDLER);
process.on('message', async ({ id, event }) => {
  const context = { functionName: process.env.AWS_LAMBDA_FUNCTION_NAME, awsRequestId: 'req-' + id, getRemainingTimeInMillis: () => 60000 };
  try {
    process.send({ id, result: (await handler(event, context)) ?? null });
  } catch (error) {
    process.send({ id, error: { name: error?.name, message: error?.message, code: error?.code } });
  }
});
process.send({ ready: process.version });
`;

/** What an invocation ended with: the handler's answer, or the error it threw (as Lambda reports it). */
export type Invocation = { result: unknown } | { error: { name?: string; message?: string; code?: string } };

export class LambdaProcess {
  private nextId = 0;
  private readonly pending = new Map<number, (outcome: Invocation) => void>();
  private output = '';

  private constructor(
    private readonly child: ChildProcess,
    /** process.version of the runtime, e.g. v24.22.3. */
    readonly nodeVersion: string,
  ) {}

  /** Starts the environment and resolves once the handler module is loaded (its init phase done). */
  static start(options: {
    node: string;
    packageDir: string;
    /** The function's `Handler` setting, e.g. `processors/inference/index.handler`. */
    handler: string;
    env: Record<string, string>;
  }): Promise<LambdaProcess> {
    const runtime = join(mkdtempSync(join(tmpdir(), 'pfm-lambda-runtime-')), 'runtime.mjs');
    writeFileSync(runtime, RUNTIME);
    const child = spawn(options.node, [runtime], {
      cwd: options.packageDir,
      env: {
        PATH: '/usr/local/bin:/usr/bin:/bin',
        ...options.env,
        LAMBDA_TASK_ROOT: options.packageDir,
        _HANDLER: options.handler,
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    return new Promise((resolve, reject) => {
      let lambda: LambdaProcess | undefined;
      let output = '';
      const collect = (d: Buffer) => {
        output += d.toString();
        if (lambda) lambda.output = output.slice(-20_000);
      };
      child.stdout?.on('data', collect);
      child.stderr?.on('data', collect);
      child.on('message', (message: { ready?: string; id?: number } & Invocation) => {
        if (message.ready !== undefined) {
          lambda = new LambdaProcess(child, message.ready);
          resolve(lambda);
          return;
        }
        const done = lambda?.pending.get(message.id as number);
        lambda?.pending.delete(message.id as number);
        done?.(message);
      });
      child.on('exit', (code, signal) => {
        const error = new Error(
          `function ${options.handler} exited (${code ?? signal}):\n${output.slice(-6_000)}`,
        );
        if (lambda === undefined) reject(error);
        for (const done of lambda?.pending.values() ?? [])
          done({ error: { name: 'Runtime.Exit', message: error.message } });
        lambda?.pending.clear();
      });
    });
  }

  /** One invocation; resolves with the handler's result or the error it threw. */
  invoke(event: unknown): Promise<Invocation> {
    const id = ++this.nextId;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.child.send({ id, event });
    });
  }

  /** One invocation that must succeed: its result, or an error carrying the function's output. */
  async result(event: unknown): Promise<unknown> {
    const outcome = await this.invoke(event);
    if ('error' in outcome) {
      throw new Error(
        `${outcome.error.name}: ${outcome.error.message}\n--- function output ---\n${this.output.slice(-4_000)}`,
      );
    }
    return outcome.result;
  }

  /** What the function printed (logs, EMF metrics), the last 20,000 characters. */
  get logs(): string {
    return this.output;
  }

  /** Ends the environment (SIGTERM, then SIGKILL after 2 s). */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 2_000);
    await exited;
    clearTimeout(timer);
  }
}

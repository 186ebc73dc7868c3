/**
 * What a run has opened, closed in reverse order at the end. Every step runs even when an earlier one
 * fails (a failed store close must not leave kinesis-local running); the first failure is rethrown.
 */
export class Teardown {
  private readonly steps: (() => unknown)[] = [];

  /** Adds a step, to run before every step added earlier. */
  defer(step: () => unknown): void {
    this.steps.push(step);
  }

  /** Runs the steps, last added first, each once. */
  async run(): Promise<void> {
    let failure: { error: unknown } | undefined;
    for (let step = this.steps.pop(); step; step = this.steps.pop()) {
      try {
        await step();
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure) throw failure.error;
  }
}

import { InferenceSession, Tensor } from 'onnxruntime-node';
import { PfmError } from '../kernel/errors.js';
import type { ModelArtifacts, Scorer } from './types.js';

const INPUT_NAME = 'features';
const OUTPUT_NAME = 'probabilities';

/** Session options; the defaults favour predictable latency next to other work on the same cores. */
export interface OnnxScorerOptions {
  /** Threads inside one operator (default 1: batches of this small model gain little from more, see bench/scoring.ts). */
  intraOpNumThreads?: number;
}

/** Scorer backed by one onnxruntime-node InferenceSession, created once and reused for every batch. */
export class OnnxScorer implements Scorer {
  readonly featureCount: number;
  readonly classCount: number;
  readonly #session: InferenceSession;

  private constructor(session: InferenceSession, featureCount: number, classCount: number) {
    this.#session = session;
    this.featureCount = featureCount;
    this.classCount = classCount;
  }

  /**
   * Opens the model and checks it against the artifacts: input `features`, output `probabilities`, and (by a
   * one-row probe run) an output as wide as classes.txt. Throws PfmError MODEL_MISMATCH otherwise.
   */
  static async create(artifacts: ModelArtifacts, options: OnnxScorerOptions = {}): Promise<OnnxScorer> {
    const session = await InferenceSession.create(artifacts.modelPath, {
      intraOpNumThreads: options.intraOpNumThreads ?? 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
    try {
      const featureCount = artifacts.features.length;
      const classCount = artifacts.classes.length;
      if (session.inputNames.length !== 1 || session.inputNames[0] !== INPUT_NAME) {
        throw new PfmError(
          'MODEL_MISMATCH',
          `${artifacts.modelPath} takes inputs [${session.inputNames.join(', ')}], expected [${INPUT_NAME}]`,
        );
      }
      if (!session.outputNames.includes(OUTPUT_NAME)) {
        throw new PfmError(
          'MODEL_MISMATCH',
          `${artifacts.modelPath} has outputs [${session.outputNames.join(', ')}], expected ${OUTPUT_NAME}`,
        );
      }
      let dims: readonly number[];
      try {
        const probe = new Tensor('float32', new Float32Array(featureCount), [1, featureCount]);
        const out = await session.run({ [INPUT_NAME]: probe }, [OUTPUT_NAME]);
        dims = (out[OUTPUT_NAME] as Tensor).dims;
      } catch (error) {
        throw new PfmError(
          'MODEL_MISMATCH',
          `${artifacts.modelPath} rejects a [1, ${featureCount}] input (features.txt has ${featureCount} features): ` +
            (error as Error).message,
          { cause: error },
        );
      }
      if (dims.length !== 2 || dims[0] !== 1 || dims[1] !== classCount) {
        throw new PfmError(
          'MODEL_MISMATCH',
          `${artifacts.modelPath} outputs [${dims.join(', ')}] for one row, but classes.txt has ${classCount} ` +
            `classes [${artifacts.classes.join(', ')}]`,
        );
      }
      return new OnnxScorer(session, featureCount, classCount);
    } catch (error) {
      await session.release();
      throw error;
    }
  }

  /** Scores n rows in one session.run; x is row-major [n, featureCount], the result [n, classCount]. */
  async score(x: Float32Array, n: number): Promise<Float32Array> {
    if (!Number.isInteger(n) || n < 0 || x.length !== n * this.featureCount) {
      throw new RangeError(`score: ${x.length} values are not ${n} rows of ${this.featureCount} features`);
    }
    if (n === 0) return new Float32Array(0);
    const input = new Tensor('float32', x, [n, this.featureCount]);
    const out = await this.#session.run({ [INPUT_NAME]: input }, [OUTPUT_NAME]);
    const data = (out[OUTPUT_NAME] as Tensor).data;
    if (!(data instanceof Float32Array) || data.length !== n * this.classCount) {
      throw new PfmError(
        'MODEL_MISMATCH',
        `model returned ${data.length} values for ${n} rows x ${this.classCount} classes`,
      );
    }
    return data;
  }

  /** Frees the native session; the scorer must not be used afterwards. */
  async release(): Promise<void> {
    await this.#session.release();
  }
}

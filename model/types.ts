/** Port: turns an [n, F] row-major matrix of scaled features into [n, C] class probabilities. */
export interface Scorer {
  readonly featureCount: number;
  readonly classCount: number;
  /** Scores n rows in one model run; `x` is row-major [n, featureCount], the result [n, classCount]. */
  score(x: Float32Array, n: number): Promise<Float32Array>;
}

/** The standardisation fitted at training time (scaler.json), in feature order. */
export interface ScalerParams {
  readonly features: readonly string[];
  readonly mean: readonly number[];
  readonly scale: readonly number[];
}

/** The training-time distribution of one unscaled input feature, for drift monitoring. */
export interface FeatureReferenceStats {
  readonly mean: number;
  readonly std: number;
  readonly min: number;
  readonly max: number;
  readonly n: number;
  /** The 9 interior decile edges; bin i holds binEdges[i-1] < x <= binEdges[i], open-ended outside. */
  readonly binEdges: readonly number[];
  /** The share of training rows in each of the 10 bins. */
  readonly proportions: readonly number[];
}

/** reference.json: what the training data looked like, and which model it belongs to. */
export interface ModelReference {
  readonly model: string;
  readonly modelSha256: string;
  readonly features: readonly string[];
  readonly stats: Readonly<Record<string, FeatureReferenceStats>>;
}

/** Everything a scorer and its callers need from model/artifacts/, loaded and cross-checked once. */
export interface ModelArtifacts {
  readonly dir: string;
  readonly modelPath: string;
  readonly modelName: string;
  /** The first 12 hex characters of sha256(model.onnx). */
  readonly modelVersion: string;
  /** The model's place in the order of releases (release.json); the stores keep the highest one's predictions. */
  readonly modelSequence: number;
  readonly modelSha256: string;
  readonly features: readonly string[];
  readonly classes: readonly string[];
  readonly scaler: ScalerParams;
  /** Decision thresholds in class order; a class is flagged when its probability is above its threshold. */
  readonly thresholds: readonly number[];
  readonly reference: ModelReference;
}

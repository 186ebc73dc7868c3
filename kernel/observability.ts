import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

/** Powertools' logger, metrics and tracer for one function, named after its service. */
export interface Observability {
  logger: Logger;
  metrics: Metrics;
  tracer: Tracer;
}

/** The Powertools trio every Lambda of the pipeline uses (namespace `pfm`). */
export function createObservability(serviceName: string): Observability {
  return {
    logger: new Logger({ serviceName }),
    metrics: new Metrics({ namespace: 'pfm', serviceName }),
    tracer: new Tracer({ serviceName }),
  };
}

/**
 * Wraps a Lambda handler the way Powertools documents for manual instrumentation: a `## handler` subsegment with
 * cold-start and service annotations, errors recorded as trace metadata (then rethrown), and the invocation's
 * metrics flushed however it ends. Outside Lambda the tracer is disabled and this only flushes metrics.
 */
export function instrument<A extends unknown[], R>(
  obs: Observability,
  handler: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  const { tracer, metrics } = obs;
  return async (...args) => {
    const segment = tracer.getSegment();
    const subsegment = segment?.addNewSubsegment('## handler');
    if (subsegment) tracer.setSegment(subsegment);
    tracer.annotateColdStart();
    tracer.addServiceNameAnnotation();
    try {
      return await handler(...args);
    } catch (error) {
      tracer.addErrorAsMetadata(error as Error);
      throw error;
    } finally {
      subsegment?.close();
      if (segment) tracer.setSegment(segment);
      metrics.publishStoredMetrics();
    }
  };
}

/**
 * What every event the pipeline publishes has in common: EventBridge's envelope fields and a detail that carries
 * its own deterministic id, so a consumer (and LocalEventLog) can drop a repeat. Drift events and the
 * forecaster's MaintenanceDue events are both bus events and go through the same publishers.
 */
export interface BusEvent {
  source: string;
  detailType: string;
  /** Event time (ISO-8601). */
  time: string;
  detail: { eventId: string };
}

/** Port: where events go (EventBridge in AWS, a JSON-lines file locally). */
export interface EventPublisher<E extends BusEvent = BusEvent> {
  /** Publishes the events; throws a retryable PfmError when some could not be delivered. */
  publish(events: readonly E[]): Promise<void>;
}

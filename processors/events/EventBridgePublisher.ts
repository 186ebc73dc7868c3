import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
  type PutEventsResultEntry,
} from '@aws-sdk/client-eventbridge';
import { errorMessage, isRetryableKinesisError } from '../../kernel/awsErrors.js';
import { type Backoff, createBackoff, type RetryHooks } from '../../kernel/backoff.js';
import { chunkByLimits } from '../../kernel/chunkByLimits.js';
import { PfmError } from '../../kernel/errors.js';
import type { BusEvent, EventPublisher } from './types.js';

/** PutEvents limits: 10 entries and 256 KB of entries per call (EventBridge quotas). */
export const PUT_EVENTS_LIMITS = { entries: 10, bytes: 256 * 1024 } as const;

/** Entry error codes EventBridge documents as retryable; anything not known to be permanent is retried too. */
const PERMANENT_ENTRY_ERRORS = new Set([
  'AccessDeniedException',
  'InvalidAccountIdException',
  'InvalidArgument',
  'MalformedDetail',
  'RedactionFailure',
  'NotAuthorizedForSourceException',
  'NotAuthorizedForDetailTypeException',
]);

export interface EventBridgePublisherOptions extends RetryHooks {
  client: EventBridgeClient;
  eventBusName: string;
  /** Calls per entry, the first included; default 6. */
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * Size of one entry as EventBridge counts it: 14 bytes for Time, plus the UTF-8 bytes of Source, DetailType,
 * Detail and each Resource.
 */
export function putEventsEntrySize(entry: PutEventsRequestEntry): number {
  let size = entry.Time ? 14 : 0;
  for (const text of [entry.Source, entry.DetailType, entry.Detail, ...(entry.Resources ?? [])]) {
    if (text) size += Buffer.byteLength(text, 'utf8');
  }
  return size;
}

/** Splits entries into PutEvents calls of at most 10 entries and 256 KB, in order. */
export function chunkEntries(entries: readonly PutEventsRequestEntry[]): PutEventsRequestEntry[][] {
  return chunkByLimits(
    entries,
    { maxItems: PUT_EVENTS_LIMITS.entries, maxBytes: PUT_EVENTS_LIMITS.bytes },
    (entry) => {
      const size = putEventsEntrySize(entry);
      if (size > PUT_EVENTS_LIMITS.bytes) {
        throw new PfmError(
          'SINK_REJECTED',
          `event of ${size} bytes exceeds EventBridge's ${PUT_EVENTS_LIMITS.bytes}-byte limit`,
        );
      }
      return size;
    },
  );
}

/**
 * Publishes bus events (drift, MaintenanceDue) to an EventBridge bus with PutEvents: batched to the call limits, and only the
 * entries that failed (Entries[i].ErrorCode) are sent again, with full-jitter exponential backoff.
 * Permanent entry errors throw SINK_REJECTED; running out of attempts throws a retryable SINK_UNAVAILABLE.
 */
export class EventBridgePublisher implements EventPublisher {
  private readonly maxAttempts: number;
  private readonly backoff: Backoff;

  constructor(private readonly options: EventBridgePublisherOptions) {
    this.maxAttempts = options.maxAttempts ?? 6;
    this.backoff = createBackoff(
      { baseDelayMs: options.baseDelayMs ?? 100, maxDelayMs: options.maxDelayMs ?? 5_000 },
      options,
    );
  }

  /** Sends every event; resolves once EventBridge accepted all of them. */
  async publish(events: readonly BusEvent[]): Promise<void> {
    if (events.length === 0) return;
    let pending = events.map((e) => this.toEntry(e));
    for (let attempt = 1; ; attempt++) {
      const failed: { entry: PutEventsRequestEntry; result: PutEventsResultEntry | undefined }[] = [];
      for (const chunk of chunkEntries(pending)) {
        let results: PutEventsResultEntry[];
        try {
          const out = await this.options.client.send(new PutEventsCommand({ Entries: chunk }));
          results = out.Entries ?? [];
          if ((out.FailedEntryCount ?? 0) === 0 && results.every((r) => !r.ErrorCode)) continue;
        } catch (error) {
          if (!isRetryableKinesisError(error)) {
            throw new PfmError('SINK_REJECTED', `EventBridge PutEvents failed: ${errorMessage(error)}`, {
              cause: error,
            });
          }
          for (const entry of chunk) failed.push({ entry, result: undefined });
          continue;
        }
        chunk.forEach((entry, i) => {
          const result = results[i];
          // A missing result entry is as good as a failed one: the response must mirror the request.
          if (!result || result.ErrorCode || !result.EventId) failed.push({ entry, result });
        });
      }
      if (failed.length === 0) return;
      const permanent = failed.find(
        (f) => f.result?.ErrorCode && PERMANENT_ENTRY_ERRORS.has(f.result.ErrorCode),
      );
      if (permanent) {
        throw new PfmError(
          'SINK_REJECTED',
          `EventBridge refused an event: ${permanent.result?.ErrorCode}: ${permanent.result?.ErrorMessage ?? ''}`,
        );
      }
      if (attempt >= this.maxAttempts) {
        const last = failed[0]?.result;
        throw new PfmError(
          'SINK_UNAVAILABLE',
          `${failed.length} event(s) not accepted by EventBridge after ${attempt} attempts` +
            (last?.ErrorCode ? ` (last error ${last.ErrorCode})` : ''),
          { retryable: true },
        );
      }
      pending = failed.map((f) => f.entry);
      await this.backoff.after(attempt);
    }
  }

  private toEntry(event: BusEvent): PutEventsRequestEntry {
    return {
      EventBusName: this.options.eventBusName,
      Source: event.source,
      DetailType: event.detailType,
      Detail: JSON.stringify(event.detail),
      Time: new Date(event.time),
      Resources: [],
    };
  }
}

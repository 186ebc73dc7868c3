import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeServer, isSigned, listenOnLoopback, readBody } from './httpStandIn.js';

/**
 * TEST AID, not an EventBridge implementation: an HTTP server on 127.0.0.1 that speaks the PutEvents wire
 * protocol (AWS JSON 1.1: POST /, X-Amz-Target AWSEvents.PutEvents, application/x-amz-json-1.1) well enough
 * for the unmodified SDK client given an `endpoint`, and enforces the documented limits a publisher must keep:
 * - per call (ValidationException, the whole call fails): 1 to 10 entries; entries of at most 256 KB in
 *   total, sized as EventBridge sizes them (14 bytes for Time + UTF-8 bytes of Source, DetailType, Detail and
 *   each Resource);
 * - per entry (ErrorCode in the response, the other entries are accepted): Source, DetailType or Detail
 *   missing (InvalidArgument), Detail that is not a JSON object (MalformedDetail).
 * Accepted events are kept for assertions; entry failures and whole-call errors can be injected.
 */

export const PUT_EVENTS_TARGET = 'AWSEvents.PutEvents';
const MAX_ENTRIES = 10;
const MAX_BYTES = 256 * 1024;

/** An event the stand-in accepted. */
export interface AcceptedEvent {
  eventId: string;
  eventBusName: string | undefined;
  source: string;
  detailType: string;
  detail: Record<string, unknown>;
  /** Epoch seconds as the SDK sent it, or undefined. */
  time: number | undefined;
}

/** One PutEvents call as the stand-in saw it. */
export interface PutEventsCall {
  target: string;
  contentType: string | undefined;
  signed: boolean;
  entries: number;
  bytes: number;
  status: number;
  failedEntryCount: number;
  errorType?: string;
}

interface WireEntry {
  EventBusName?: string;
  Source?: string;
  DetailType?: string;
  Detail?: string;
  Resources?: string[];
  Time?: number;
}

/** Decides whether an entry fails (its ErrorCode) or goes through (undefined). */
export type EntryFault = (
  entry: WireEntry,
  detail: Record<string, unknown> | undefined,
) => string | undefined;

/** The EventBridge stand-in (see the module comment). */
export class EventBridgeStandIn {
  readonly calls: PutEventsCall[] = [];
  readonly events: AcceptedEvent[] = [];
  private faults: EntryFault[] = [];
  private callErrors: { type: string; status: number }[] = [];

  private constructor(
    private readonly server: Server,
    readonly endpoint: string,
  ) {}

  /** Starts the stand-in on 127.0.0.1 on a port the OS picks. */
  static async start(): Promise<EventBridgeStandIn> {
    let standIn: EventBridgeStandIn | undefined;
    const server = createServer((req, res) => {
      void standIn?.handle(req, res);
    });
    standIn = new EventBridgeStandIn(server, await listenOnLoopback(server));
    return standIn;
  }

  /** Adds an entry fault, consulted for every entry of every later call. */
  failEntries(fault: EntryFault): void {
    this.faults.push(fault);
  }

  /** Fails each entry matching `match` with `errorCode` on its first `times` deliveries. */
  failEntryTimes(
    match: (detail: Record<string, unknown>) => boolean,
    errorCode: string,
    times: number,
  ): void {
    const seen = new Map<string, number>();
    this.failEntries((entry, detail) => {
      if (!detail || !match(detail)) return undefined;
      const key = entry.Detail ?? '';
      const n = (seen.get(key) ?? 0) + 1;
      seen.set(key, n);
      return n <= times ? errorCode : undefined;
    });
  }

  /** The next `times` calls fail as a whole (e.g. ThrottlingException 400, InternalException 500). */
  failNextCalls(type: string, status: number, times = 1): void {
    for (let i = 0; i < times; i++) this.callErrors.push({ type, status });
  }

  /** Forgets calls, events and injected faults. */
  reset(): void {
    this.calls.length = 0;
    this.events.length = 0;
    this.faults = [];
    this.callErrors = [];
  }

  /** Stops listening and closes open connections. */
  async stop(): Promise<void> {
    await closeServer(this.server);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const target = String(req.headers['x-amz-target'] ?? '');
    const contentType = req.headers['content-type'];
    const call: PutEventsCall = {
      target,
      contentType,
      signed: isSigned(req),
      entries: 0,
      bytes: 0,
      status: 200,
      failedEntryCount: 0,
    };
    this.calls.push(call);
    const fail = (status: number, type: string, message: string): void => {
      call.status = status;
      call.errorType = type;
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': type });
      res.end(JSON.stringify({ __type: type, message }));
    };
    if (req.method !== 'POST' || target !== PUT_EVENTS_TARGET) {
      return fail(400, 'UnknownOperationException', `unsupported target "${target}"`);
    }
    if (contentType !== 'application/x-amz-json-1.1') {
      return fail(
        400,
        'SerializationException',
        `content-type must be application/x-amz-json-1.1, got ${contentType}`,
      );
    }
    let body: { Entries?: WireEntry[] };
    try {
      body = JSON.parse(raw) as { Entries?: WireEntry[] };
    } catch {
      return fail(400, 'SerializationException', 'body is not JSON');
    }
    const entries = body.Entries ?? [];
    call.entries = entries.length;
    call.bytes = entries.reduce((sum, e) => sum + entrySize(e), 0);
    if (entries.length < 1 || entries.length > MAX_ENTRIES) {
      return fail(
        400,
        'ValidationException',
        `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and ${MAX_ENTRIES}`,
      );
    }
    if (call.bytes > MAX_BYTES) {
      return fail(
        400,
        'ValidationException',
        `Total size of the entries in the request is over the limit (${call.bytes} bytes)`,
      );
    }
    const injected = this.callErrors.shift();
    if (injected) return fail(injected.status, injected.type, 'injected failure');

    const results = entries.map((entry) => {
      if (!entry.Source || !entry.DetailType || entry.Detail === undefined) {
        return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Source, DetailType and Detail are required' };
      }
      let detail: Record<string, unknown> | undefined;
      try {
        const parsed = JSON.parse(entry.Detail) as unknown;
        if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
          detail = parsed as Record<string, unknown>;
      } catch {
        detail = undefined;
      }
      if (!detail) return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is not a JSON object' };
      for (const fault of this.faults) {
        const code = fault(entry, detail);
        if (code) return { ErrorCode: code, ErrorMessage: `injected ${code}` };
      }
      const eventId = randomUUID();
      this.events.push({
        eventId,
        eventBusName: entry.EventBusName,
        source: entry.Source,
        detailType: entry.DetailType,
        detail,
        time: entry.Time,
      });
      return { EventId: eventId };
    });
    call.failedEntryCount = results.filter((r) => 'ErrorCode' in r).length;
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
    res.end(JSON.stringify({ FailedEntryCount: call.failedEntryCount, Entries: results }));
  }
}

function entrySize(entry: WireEntry): number {
  let size = entry.Time !== undefined ? 14 : 0;
  for (const text of [entry.Source, entry.DetailType, entry.Detail, ...(entry.Resources ?? [])]) {
    if (text) size += Buffer.byteLength(text, 'utf8');
  }
  return size;
}

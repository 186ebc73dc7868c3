import { describe, expect, it } from 'vitest';
import { PfmError } from '../../kernel/errors.js';
import { decodeReading } from '../../schemas/codec/readingCodec.js';
import type { WriteEntry, WriteResult } from '../../stream/kinesis/KinesisWriter.js';
import {
  createScheduledSimulator,
  readSimulatorConfig,
  runSeed,
  type SimulatorLambdaConfig,
} from '../../stream/simulator/lambda.js';

/** A hand-written writer: keeps what it is given, fails the entries at the given indices. */
class FakeWriter {
  readonly calls: WriteEntry[][] = [];
  constructor(private readonly failIndices: number[] = []) {}
  async write(entries: readonly WriteEntry[]): Promise<WriteResult> {
    this.calls.push([...entries]);
    const failed = this.failIndices.map((i) => ({
      entry: entries[i] as WriteEntry,
      errorCode: 'ProvisionedThroughputExceededException',
      errorMessage: 'Rate exceeded',
    }));
    return { written: entries.length - failed.length, attempts: 1, failed };
  }
}

const CONFIG: SimulatorLambdaConfig = {
  streamName: 'pfm-readings',
  records: 60,
  machines: 6,
  intervalMs: 1_000,
  seed: 42,
  drift: [],
};
const SCHEDULED = '2026-03-01T12:00:00Z';

function decodeAll(entries: WriteEntry[]) {
  return entries.map((e) => {
    const decoded = decodeReading(e.data);
    if (!decoded.ok) throw new Error(decoded.reason);
    return { reading: decoded.reading, partitionKey: e.partitionKey };
  });
}

describe('readSimulatorConfig', () => {
  it('needs only the stream name and fills the rest', () => {
    expect(readSimulatorConfig({ PFM_STREAM_NAME: 'pfm-readings' })).toEqual({
      streamName: 'pfm-readings',
      records: 500,
      machines: 50,
      intervalMs: 1_000,
      seed: 42,
      drift: [],
    });
  });

  it('reads numbers and ;-separated drift specs', () => {
    const c = readSimulatorConfig({
      PFM_STREAM_NAME: 's',
      PFM_SIM_RECORDS: '10',
      PFM_SIM_MACHINES: '2',
      PFM_SIM_SEED: '-3',
      PFM_SIM_DRIFT: 'torqueNm:offset:5@+0s; airTemperatureK:scale:1.1:M-0001,M-0002@+0s;',
    });
    expect(c).toMatchObject({ records: 10, machines: 2, seed: -3 });
    expect(c.drift).toEqual(['torqueNm:offset:5@+0s', 'airTemperatureK:scale:1.1:M-0001,M-0002@+0s']);
  });

  it.each([
    [{}, 'PFM_STREAM_NAME'],
    [{ PFM_STREAM_NAME: 's', PFM_SIM_RECORDS: '0' }, 'PFM_SIM_RECORDS'],
    [{ PFM_STREAM_NAME: 's', PFM_SIM_MACHINES: 'many' }, 'PFM_SIM_MACHINES'],
    [{ PFM_STREAM_NAME: 's', PFM_SIM_DRIFT: 'torqueNm:wobble:5@+0s' }, 'PFM_SIM_DRIFT'],
  ])('rejects %j, naming %s', (env, name) => {
    expect(() => readSimulatorConfig(env)).toThrow(PfmError);
    expect(() => readSimulatorConfig(env)).toThrow(name);
  });
});

describe('createScheduledSimulator', () => {
  it('writes the configured number of readings from the scheduled time, keyed by device', async () => {
    const writer = new FakeWriter();
    const run = createScheduledSimulator({ config: CONFIG, writer, now: () => 0 });
    const result = await run({ scheduledTime: SCHEDULED });
    const start = Date.parse(SCHEDULED);
    expect(result).toEqual({ startTime: start, seed: runSeed(42, start), written: 60 });
    const decoded = decodeAll(writer.calls[0] as WriteEntry[]);
    expect(decoded).toHaveLength(60);
    expect(new Set(decoded.map((d) => d.reading.deviceId)).size).toBe(6);
    for (const d of decoded) {
      expect(d.partitionKey).toBe(d.reading.deviceId);
      expect(d.reading.timestamp).toBeGreaterThanOrEqual(start);
      expect(d.reading.timestamp).toBeLessThan(start + 11 * CONFIG.intervalMs);
    }
  });

  it('replays a run from its scheduled time and varies between runs', async () => {
    const a = new FakeWriter();
    const b = new FakeWriter();
    const c = new FakeWriter();
    await createScheduledSimulator({ config: CONFIG, writer: a, now: () => 0 })({ scheduledTime: SCHEDULED });
    await createScheduledSimulator({ config: CONFIG, writer: b, now: () => 0 })({ scheduledTime: SCHEDULED });
    await createScheduledSimulator({ config: CONFIG, writer: c, now: () => 0 })({
      scheduledTime: '2026-03-01T12:01:00Z',
    });
    const bytes = (w: FakeWriter) =>
      (w.calls[0] as WriteEntry[]).map((e) => Buffer.from(e.data).toString('hex'));
    expect(bytes(a)).toEqual(bytes(b));
    const torque = (w: FakeWriter) => decodeAll(w.calls[0] as WriteEntry[]).map((d) => d.reading.torqueNm);
    expect(torque(c)).not.toEqual(torque(a));
  });

  it('falls back to the clock without a scheduled time', async () => {
    const writer = new FakeWriter();
    const result = await createScheduledSimulator({ config: CONFIG, writer, now: () => 1_780_000_000_000 })(
      {},
    );
    expect(result.startTime).toBe(1_780_000_000_000);
  });

  it('applies the configured drift', async () => {
    const plain = new FakeWriter();
    const drifted = new FakeWriter();
    await createScheduledSimulator({ config: CONFIG, writer: plain, now: () => 0 })({
      scheduledTime: SCHEDULED,
    });
    await createScheduledSimulator({
      config: { ...CONFIG, drift: ['torqueNm:offset:25@+0s'] },
      writer: drifted,
      now: () => 0,
    })({ scheduledTime: SCHEDULED });
    const mean = (w: FakeWriter) => {
      const t = decodeAll(w.calls[0] as WriteEntry[]).map((d) => d.reading.torqueNm);
      return t.reduce((s, x) => s + x, 0) / t.length;
    };
    expect(mean(drifted) - mean(plain)).toBeCloseTo(25, 0);
  });

  it('fails the invocation, retryably, when Kinesis kept refusing readings', async () => {
    const run = createScheduledSimulator({ config: CONFIG, writer: new FakeWriter([3, 7]), now: () => 0 });
    const error = await run({ scheduledTime: SCHEDULED }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PfmError);
    expect(error).toMatchObject({ code: 'SINK_UNAVAILABLE', retryable: true });
    expect((error as Error).message).toContain('2 of 60');
  });
});

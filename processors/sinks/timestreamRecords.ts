import type { _Record, Dimension, MeasureValue } from '@aws-sdk/client-timestream-write';
import { type MeasureType, type SeriesSchema, TIMESTREAM_LIMITS } from './constants.js';
import { formatDouble, type PointValue, type SeriesPoint } from './seriesPoints.js';

/** One WriteRecords call's worth: the shared attributes, the records, and where each came from in the input. */
export interface WriteBatch {
  commonAttributes: _Record;
  records: _Record[];
  /** `indices[i]` is the input position of `records[i]` (RejectedRecords[].RecordIndex points into `records`). */
  indices: number[];
}

/** The point as a multi-measure record without what a batch shares (measure name, type, unit, version). */
export function timestreamRecord(point: SeriesPoint, schema: SeriesSchema): _Record {
  const dimensions: Dimension[] = [];
  for (const name of schema.dimensions) {
    const value = point.dimensions[name];
    if (value !== undefined) dimensions.push({ Name: name, Value: value, DimensionValueType: 'VARCHAR' });
  }
  const measureValues: MeasureValue[] = [];
  for (const [name, type] of Object.entries(schema.measures) as [string, MeasureType][]) {
    const value = point.measures[name];
    if (value !== undefined) measureValues.push({ Name: name, Type: type, Value: formatMeasure(value) });
  }
  return { Dimensions: dimensions, MeasureValues: measureValues, Time: String(point.time) };
}

/** A measure value as Timestream's wire format wants it: doubles in shortest round-trip form, integers plain. */
export function formatMeasure(value: PointValue): string {
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return typeof value === 'number' ? formatDouble(value) : value;
}

/**
 * The metered size of a record (developer guide, "Writes"): 8 bytes of time, the UTF-8 bytes of every dimension
 * name and value and measure name, 8 bytes per DOUBLE/BIGINT, 1 per BOOLEAN, the UTF-8 bytes of a VARCHAR.
 */
export function recordBytes(record: _Record, measureName: string): number {
  let bytes = 8 + Buffer.byteLength(measureName, 'utf8');
  for (const d of record.Dimensions ?? []) {
    bytes += Buffer.byteLength(d.Name ?? '', 'utf8') + Buffer.byteLength(d.Value ?? '', 'utf8');
  }
  for (const m of record.MeasureValues ?? []) {
    bytes += Buffer.byteLength(m.Name ?? '', 'utf8') + measureValueBytes(m.Type, m.Value ?? '');
  }
  return bytes;
}

function measureValueBytes(type: string | undefined, value: string): number {
  if (type === 'DOUBLE' || type === 'BIGINT' || type === 'TIMESTAMP') return 8;
  if (type === 'BOOLEAN') return 1;
  return Buffer.byteLength(value, 'utf8');
}

/** Why Timestream would refuse the record outright (sent, it would fail its whole call), or undefined. */
export function recordProblem(record: _Record, measureName: string): string | undefined {
  for (const d of record.Dimensions ?? []) {
    if (!d.Value) return `dimension ${d.Name} is empty`;
  }
  const measures = record.MeasureValues ?? [];
  if (measures.length > TIMESTREAM_LIMITS.measuresPerMultiMeasureRecord) {
    return `${measures.length} measures exceed the ${TIMESTREAM_LIMITS.measuresPerMultiMeasureRecord} of a multi-measure record`;
  }
  for (const m of measures) {
    if (!m.Value) return `measure ${m.Name} is empty`;
    if ((m.Value ?? '').length > TIMESTREAM_LIMITS.measureValueChars) {
      return `measure ${m.Name} is longer than ${TIMESTREAM_LIMITS.measureValueChars} characters`;
    }
  }
  const size = recordBytes(record, measureName);
  if (size > TIMESTREAM_LIMITS.recordBytes) {
    return `record is ${size} bytes, over Timestream's ${TIMESTREAM_LIMITS.recordBytes}-byte limit`;
  }
  return undefined;
}

/**
 * Splits records into WriteRecords calls of at most 100. What every record of a call shares — measure name, type,
 * time unit, version and any dimension with one value across the call — goes into CommonAttributes once.
 */
export function writeBatches(
  records: readonly _Record[],
  indices: readonly number[],
  shared: { measureName: string; valueType: 'MULTI' | 'VARCHAR'; version: number },
): WriteBatch[] {
  const batches: WriteBatch[] = [];
  for (let start = 0; start < records.length; start += TIMESTREAM_LIMITS.recordsPerWrite) {
    const chunk = records.slice(start, start + TIMESTREAM_LIMITS.recordsPerWrite);
    const commonDimensions = sharedDimensions(chunk);
    const commonNames = new Set(commonDimensions.map((d) => d.Name));
    batches.push({
      commonAttributes: {
        MeasureName: shared.measureName,
        MeasureValueType: shared.valueType,
        TimeUnit: 'MILLISECONDS',
        Version: shared.version,
        ...(commonDimensions.length > 0 ? { Dimensions: commonDimensions } : {}),
      },
      records: chunk.map((r) => ({
        ...r,
        Dimensions: (r.Dimensions ?? []).filter((d) => !commonNames.has(d.Name)),
      })),
      indices: indices.slice(start, start + TIMESTREAM_LIMITS.recordsPerWrite),
    });
  }
  return batches;
}

function sharedDimensions(records: readonly _Record[]): Dimension[] {
  const first = records[0];
  if (first === undefined) return [];
  return (first.Dimensions ?? []).filter((d) =>
    records.every((r) => (r.Dimensions ?? []).some((o) => o.Name === d.Name && o.Value === d.Value)),
  );
}

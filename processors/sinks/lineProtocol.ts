import type { MeasureType, SeriesSchema } from './constants.js';
import { formatDouble, type PointValue, type SeriesPoint } from './seriesPoints.js';

/** Escapes a measurement name: commas and spaces (InfluxDB line protocol reference). */
export function escapeMeasurement(name: string): string {
  return name.replace(/[, ]/g, '\\$&');
}

/** Escapes a tag key, tag value or field key: commas, equals signs and spaces. */
export function escapeKey(text: string): string {
  return text.replace(/[,= ]/g, '\\$&');
}

/** Quotes a string field value, escaping double quotes and backslashes. */
export function quoteString(text: string): string {
  return `"${text.replace(/["\\]/g, '\\$&')}"`;
}

/**
 * Why a tag value cannot be written, or undefined. Line protocol has no way to write an empty tag value or a line
 * break in one, and a backslash before an escaped character (or at the end) makes the escape ambiguous.
 */
export function tagValueProblem(value: string): string | undefined {
  if (value === '') return 'is empty';
  if (/[\r\n]/.test(value)) return 'contains a line break';
  if (/\\([,= ]|$)/.test(value)) return 'has a backslash before a comma, equals sign, space or the end';
  return undefined;
}

/** A field value in line protocol: floats in shortest round-trip form, `i`-suffixed integers, quoted strings. */
export function formatField(type: MeasureType, value: PointValue): string {
  switch (type) {
    case 'DOUBLE':
      return formatDouble(value as number);
    case 'BIGINT':
      return `${value}i`;
    case 'BOOLEAN':
      return value ? 'true' : 'false';
    case 'VARCHAR':
      return quoteString(String(value));
  }
}

/** The point as one line of line protocol at millisecond precision (tags sorted by key, as InfluxDB advises). */
export function toLine(point: SeriesPoint, schema: SeriesSchema): string {
  const tags = schema.dimensions
    .filter((name) => point.dimensions[name] !== undefined)
    .sort()
    .map((name) => `,${escapeKey(name)}=${escapeKey(point.dimensions[name] as string)}`)
    .join('');
  const fields = (Object.entries(schema.measures) as [string, MeasureType][])
    .filter(([name]) => point.measures[name] !== undefined)
    .map(([name, type]) => `${escapeKey(name)}=${formatField(type, point.measures[name] as PointValue)}`)
    .join(',');
  return `${escapeMeasurement(schema.influxMeasurement)}${tags} ${fields} ${point.time}`;
}

/** Why the point cannot be written as a line (a tag value line protocol cannot carry), or undefined. */
export function lineProblem(point: SeriesPoint, schema: SeriesSchema): string | undefined {
  for (const name of schema.dimensions) {
    const value = point.dimensions[name];
    if (value === undefined) continue;
    const problem = tagValueProblem(value);
    if (problem !== undefined) return `tag ${name} ${problem}`;
  }
  return undefined;
}

import type { MeasureType, SeriesSchema } from './constants.js';
import { formatDouble, type PointValue, type SeriesPoint } from './seriesPoints.js';

/**
 * InfluxDB line protocol (docs.influxdata.com, "Line protocol reference", "Special characters"): measurement names
 * escape commas and spaces; tag keys, tag values and field keys escape commas, equals signs and spaces; string
 * field values are double-quoted and escape double quotes and backslashes. Line protocol does not support a line
 * break in a tag or field value, and versions differ on a backslash in a tag value (1.x keeps `\\` as two
 * characters and refuses one at the end), so such tag values are refused before sending and line breaks in
 * string fields are written as visible symbols (LINE_BREAK_SYMBOLS), documented in schemas/README.md.
 */

/** What a line break in a string field is written as: U+2424 for \n, U+240D for \r. */
export const LINE_BREAK_SYMBOLS = { '\n': '\u2424', '\r': '\u240d' } as const;

/** Escapes a measurement name: commas and spaces. */
export function escapeMeasurement(name: string): string {
  return name.replace(/[, ]/g, '\\$&');
}

/** Escapes a tag key, tag value or field key: commas, equals signs and spaces. */
export function escapeKey(text: string): string {
  return text.replace(/[,= ]/g, '\\$&');
}

/** Quotes a string field value: double quotes and backslashes escaped, line breaks as LINE_BREAK_SYMBOLS. */
export function quoteString(text: string): string {
  return `"${text.replace(/["\\]/g, '\\$&').replace(/[\n\r]/g, (c) => LINE_BREAK_SYMBOLS[c as '\n' | '\r'])}"`;
}

/** A string field as InfluxDB returns it, line breaks restored (the inverse of quoteString's substitution). */
export function restoreLineBreaks(text: string): string {
  return text.replace(/[\u2424\u240d]/g, (c) => (c === '\u2424' ? '\n' : '\r'));
}

/**
 * Why a tag value cannot be written, or undefined. Line protocol has no way to write an empty tag value or a line
 * break in one, and a backslash in a tag value reads differently across InfluxDB versions.
 */
export function tagValueProblem(value: string): string | undefined {
  if (value === '') return 'is empty';
  if (/[\r\n]/.test(value)) return 'contains a line break';
  if (value.includes('\\')) return 'contains a backslash';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused here.
  if (/[\u0000-\u001f\u007f]/.test(value)) return 'contains a control character';
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

/** The tag names of a series in InfluxDB: its `influxTags`, or its dimensions. */
export function influxTagsOf(schema: SeriesSchema): readonly string[] {
  return schema.influxTags ?? schema.dimensions;
}

/**
 * The point as one line of line protocol (tags sorted by key, as InfluxDB advises). Every dimension or measure
 * that is not a tag is a field, dimensions as strings; `time` is written as given, in the request's precision.
 */
export function toLine(point: SeriesPoint, schema: SeriesSchema, time: string = String(point.time)): string {
  const tagNames = influxTagsOf(schema);
  const value = (name: string) => point.dimensions[name] ?? point.measures[name];
  const tags = [...tagNames]
    .filter((name) => value(name) !== undefined)
    .sort()
    .map((name) => `,${escapeKey(name)}=${escapeKey(String(value(name)))}`)
    .join('');
  const fields: string[] = [];
  for (const name of schema.dimensions) {
    const v = point.dimensions[name];
    if (!tagNames.includes(name) && v !== undefined) fields.push(`${escapeKey(name)}=${quoteString(v)}`);
  }
  for (const [name, type] of Object.entries(schema.measures) as [string, MeasureType][]) {
    const v = point.measures[name];
    if (!tagNames.includes(name) && v !== undefined)
      fields.push(`${escapeKey(name)}=${formatField(type, v)}`);
  }
  return `${escapeMeasurement(schema.influxMeasurement)}${tags} ${fields.join(',')} ${time}`;
}

/** Why the point cannot be written as a line (a tag value line protocol cannot carry), or undefined. */
export function lineProblem(point: SeriesPoint, schema: SeriesSchema): string | undefined {
  for (const name of influxTagsOf(schema)) {
    const value = point.dimensions[name] ?? point.measures[name];
    if (value === undefined) continue;
    const problem = tagValueProblem(String(value));
    if (problem !== undefined) return `tag ${name} ${problem}`;
  }
  return undefined;
}

/**
 * A small JSON Schema (2020-12) validator for the keywords schemas/drift-event.schema.json uses. It refuses a
 * schema with any other keyword, so a schema edit cannot silently turn a check off.
 */

type Schema = Record<string, unknown>;

const ANNOTATIONS = new Set(['$schema', '$id', 'title', 'description', '$defs']);
const KEYWORDS = new Set([
  'type',
  'required',
  'properties',
  'additionalProperties',
  'enum',
  'const',
  'pattern',
  'minimum',
  'maximum',
  'minLength',
  'minItems',
  'maxItems',
  'uniqueItems',
  'items',
  '$ref',
  'format',
  'allOf',
  'if',
  'then',
]);
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Validates `value` against `schema`; returns the problems found (empty when valid), each with its JSON path. */
export function validateJsonSchema(schema: Schema, value: unknown): string[] {
  const errors: string[] = [];
  visit(schema, value, '$', schema, errors);
  return errors;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function visit(schema: Schema, value: unknown, path: string, root: Schema, errors: string[]): void {
  for (const key of Object.keys(schema)) {
    if (!KEYWORDS.has(key) && !ANNOTATIONS.has(key))
      throw new Error(`validator does not support keyword "${key}" at ${path}`);
  }
  const fail = (why: string): void => {
    errors.push(`${path}: ${why}`);
  };
  if (typeof schema.$ref === 'string') {
    const ref = schema.$ref;
    if (!ref.startsWith('#/$defs/')) throw new Error(`unsupported $ref ${ref}`);
    const target = (root.$defs as Record<string, Schema> | undefined)?.[ref.slice('#/$defs/'.length)];
    if (!target) throw new Error(`unresolved $ref ${ref}`);
    visit(target, value, path, root, errors);
  }
  if (Array.isArray(schema.allOf))
    for (const sub of schema.allOf) visit(sub as Schema, value, path, root, errors);
  if (schema.if !== undefined) {
    const probe: string[] = [];
    visit(schema.if as Schema, value, path, root, probe);
    if (probe.length === 0 && schema.then !== undefined)
      visit(schema.then as Schema, value, path, root, errors);
  }
  const t = typeOf(value);
  if (schema.type !== undefined) {
    const ok = schema.type === t || (schema.type === 'number' && t === 'integer');
    if (!ok) {
      fail(`expected ${String(schema.type)}, got ${t}`);
      return;
    }
  }
  if ('const' in schema && value !== schema.const) fail(`expected ${JSON.stringify(schema.const)}`);
  if (Array.isArray(schema.enum) && !schema.enum.includes(value))
    fail(`${JSON.stringify(value)} not in ${JSON.stringify(schema.enum)}`);
  if (typeof value === 'string') {
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value))
      fail(`"${value}" does not match ${schema.pattern}`);
    if (typeof schema.minLength === 'number' && value.length < schema.minLength)
      fail(`shorter than ${schema.minLength}`);
    if (schema.format === 'date-time' && !(DATE_TIME.test(value) && !Number.isNaN(Date.parse(value))))
      fail(`"${value}" is not a date-time`);
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) fail('not a finite number');
    if (typeof schema.minimum === 'number' && value < schema.minimum) fail(`${value} < ${schema.minimum}`);
    if (typeof schema.maximum === 'number' && value > schema.maximum) fail(`${value} > ${schema.maximum}`);
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems)
      fail(`fewer than ${schema.minItems} items`);
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems)
      fail(`more than ${schema.maxItems} items`);
    if (schema.uniqueItems === true && new Set(value.map((v) => JSON.stringify(v))).size !== value.length)
      fail('items not unique');
    if (schema.items) {
      for (const [i, item] of value.entries())
        visit(schema.items as Schema, item, `${path}[${i}]`, root, errors);
    }
  }
  if (t === 'object') {
    const obj = value as Record<string, unknown>;
    for (const key of (schema.required as string[] | undefined) ?? [])
      if (!(key in obj)) fail(`missing "${key}"`);
    const props = (schema.properties as Record<string, Schema> | undefined) ?? {};
    for (const [key, v] of Object.entries(obj)) {
      const sub = props[key];
      if (sub) visit(sub, v, `${path}.${key}`, root, errors);
      else if (schema.additionalProperties === false) fail(`unexpected property "${key}"`);
    }
  }
}

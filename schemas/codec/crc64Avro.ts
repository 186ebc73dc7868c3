import { InvalidSchemaError } from './errors.js';

/** The CRC-64-AVRO (Rabin) seed and polynomial of the Avro specification: the fingerprint of zero bytes. */
export const CRC64_AVRO_EMPTY = 0xc15d213aa4d7a795n;

const TABLE = buildTable();

function buildTable(): BigUint64Array {
  const table = new BigUint64Array(256);
  for (let i = 0; i < 256; i++) {
    let fp = BigInt(i);
    for (let j = 0; j < 8; j++) {
      fp = (fp >> 1n) ^ (CRC64_AVRO_EMPTY & -(fp & 1n));
    }
    table[i] = fp;
  }
  return table;
}

/** CRC-64-AVRO of raw bytes (the spec's table algorithm), as an unsigned 64-bit bigint. */
export function crc64Avro(bytes: Uint8Array): bigint {
  let fp = CRC64_AVRO_EMPTY;
  for (const byte of bytes) {
    // biome-ignore lint/style/noNonNullAssertion: the index is masked to 0..255 and the table has 256 entries.
    fp = (fp >> 8n) ^ TABLE[Number((fp ^ BigInt(byte)) & 0xffn)]!;
  }
  return fp;
}

/** The fingerprint the Avro single-object encoding puts on the wire: CRC-64-AVRO of the schema's Parsing Canonical Form. */
export function schemaFingerprint(schema: unknown): bigint {
  return crc64Avro(new TextEncoder().encode(parsingCanonicalForm(schema)));
}

/** The fingerprint as Java's `long` (signed 64-bit), the form the Avro project's test vectors use. */
export function toSigned64(fingerprint: bigint): bigint {
  return BigInt.asIntN(64, fingerprint);
}

/** The fingerprint as 16 lower-case hex digits (most significant first). */
export function fingerprintHex(fingerprint: bigint): string {
  return BigInt.asUintN(64, fingerprint).toString(16).padStart(16, '0');
}

/** The 8 little-endian bytes of the fingerprint, as they follow the 0xC3 0x01 marker on the wire. */
export function fingerprintBytesLE(fingerprint: bigint): Uint8Array {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, BigInt.asUintN(64, fingerprint), true);
  return bytes;
}

const PRIMITIVES: ReadonlySet<string> = new Set([
  'null',
  'boolean',
  'int',
  'long',
  'float',
  'double',
  'bytes',
  'string',
]);
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The Parsing Canonical Form of a parsed (JSON.parse'd) Avro schema, per the Avro specification.
 * Implemented here rather than taken from avsc's `getSchema()` because avsc refuses schemas the spec still
 * canonicalises (the empty union, a field default of the wrong type), and a fingerprint must not depend on
 * what one library accepts. Throws `InvalidSchemaError` for schemas that are not valid Avro.
 */
export function parsingCanonicalForm(schema: unknown): string {
  return canonical(schema, '', new Set<string>(), SPEC, 0);
}

/**
 * How some Avro implementations print the Parsing Canonical Form differently from the specification, as observed
 * with the implementations themselves (schemas/README.md, "Fingerprints of other implementations"):
 * - `logicalTypeObject`: a primitive that carries a logicalType stays an object, `{"type":"long"}`, where the
 *   specification's [PRIMITIVES] rule makes it `"long"` (Python's python3-avro 1.11, goavro);
 * - `nestedShortNames`: a named type inside another is printed with its name as written, not its full name
 *   (goavro, against the [FULLNAMES] rule).
 * The schema is the same either way (same fields, same binary encoding); only its printed form, and so its
 * fingerprint, differs.
 */
export interface CanonicalFormQuirks {
  logicalTypeObject: boolean;
  nestedShortNames: boolean;
}

const SPEC: CanonicalFormQuirks = { logicalTypeObject: false, nestedShortNames: false };

/** The canonical form as an implementation with these quirks prints it (see CanonicalFormQuirks). */
export function quirkyCanonicalForm(schema: unknown, quirks: CanonicalFormQuirks): string {
  return canonical(schema, '', new Set<string>(), quirks, 0);
}

function canonical(
  schema: unknown,
  namespace: string,
  defined: Set<string>,
  quirks: CanonicalFormQuirks,
  depth: number,
): string {
  const inner = (s: unknown, ns: string) => canonical(s, ns, defined, quirks, depth + 1);
  const named = (fullName: string, written: unknown) =>
    JSON.stringify(quirks.nestedShortNames && depth > 0 && typeof written === 'string' ? written : fullName);
  if (typeof schema === 'string') {
    return JSON.stringify(PRIMITIVES.has(schema) ? schema : resolveReference(schema, namespace, defined));
  }
  if (Array.isArray(schema)) {
    return `[${schema.map((branch) => canonical(branch, namespace, defined, quirks, depth)).join(',')}]`;
  }
  if (!isObject(schema)) {
    throw invalid(`a schema must be a string, an array or an object, got ${JSON.stringify(schema)}`);
  }
  const type = schema.type;
  if (typeof type !== 'string') {
    // `{"type": {...}}` and `{"type": [...]}` wrap a schema; the wrapper's other attributes do not affect parsing.
    return canonical(type, namespace, defined, quirks, depth);
  }
  switch (type) {
    case 'record': {
      const { fullName, childNamespace } = define(schema, namespace, defined);
      const fields = schema.fields;
      if (!Array.isArray(fields)) throw invalid(`record ${fullName} has no fields array`);
      const parts = fields.map((field: unknown) => {
        if (!isObject(field) || typeof field.name !== 'string' || !NAME.test(field.name)) {
          throw invalid(`record ${fullName} has a field without a valid name`);
        }
        if (!('type' in field)) throw invalid(`field ${fullName}.${field.name} has no type`);
        return `{"name":${JSON.stringify(field.name)},"type":${inner(field.type, childNamespace)}}`;
      });
      return `{"name":${named(fullName, schema.name)},"type":"record","fields":[${parts.join(',')}]}`;
    }
    case 'enum': {
      const { fullName } = define(schema, namespace, defined);
      const symbols = schema.symbols;
      if (!Array.isArray(symbols) || !symbols.every((s) => typeof s === 'string' && NAME.test(s))) {
        throw invalid(`enum ${fullName} needs an array of valid symbols`);
      }
      return `{"name":${named(fullName, schema.name)},"type":"enum","symbols":${JSON.stringify(symbols)}}`;
    }
    case 'fixed': {
      const { fullName } = define(schema, namespace, defined);
      return `{"name":${named(fullName, schema.name)},"type":"fixed","size":${normalizeSize(schema.size, fullName)}}`;
    }
    case 'array':
      if (!('items' in schema)) throw invalid('array schema without items');
      return `{"type":"array","items":${inner(schema.items, namespace)}}`;
    case 'map':
      if (!('values' in schema)) throw invalid('map schema without values');
      return `{"type":"map","values":${inner(schema.values, namespace)}}`;
    default:
      if (quirks.logicalTypeObject && PRIMITIVES.has(type) && 'logicalType' in schema) {
        return `{"type":${JSON.stringify(type)}}`;
      }
      // A primitive in object form (the [PRIMITIVES] rule, which also drops logicalType) or a named reference.
      return canonical(type, namespace, defined, quirks, depth);
  }
}

function define(
  schema: Record<string, unknown>,
  enclosingNamespace: string,
  defined: Set<string>,
): { fullName: string; childNamespace: string } {
  const name = schema.name;
  if (typeof name !== 'string') throw invalid(`a ${String(schema.type)} schema needs a name`);
  let fullName: string;
  if (name.includes('.')) {
    fullName = name;
  } else {
    const namespace = typeof schema.namespace === 'string' ? schema.namespace : enclosingNamespace;
    fullName = namespace === '' ? name : `${namespace}.${name}`;
  }
  if (!fullName.split('.').every((part) => NAME.test(part))) throw invalid(`invalid name ${fullName}`);
  if (PRIMITIVES.has(fullName)) throw invalid(`a named type cannot be called ${fullName}`);
  if (defined.has(fullName)) throw invalid(`${fullName} is defined twice`);
  defined.add(fullName);
  const lastDot = fullName.lastIndexOf('.');
  return { fullName, childNamespace: lastDot < 0 ? '' : fullName.slice(0, lastDot) };
}

function resolveReference(name: string, namespace: string, defined: ReadonlySet<string>): string {
  // Like the Java reference implementation: the enclosing namespace first, then the null namespace.
  if (!name.includes('.') && namespace !== '' && defined.has(`${namespace}.${name}`)) {
    return `${namespace}.${name}`;
  }
  if (defined.has(name)) return name;
  throw invalid(`unknown type ${JSON.stringify(name)}`);
}

function normalizeSize(size: unknown, fullName: string): string {
  const n = typeof size === 'string' && /^\s*\d+\s*$/.test(size) ? Number(size) : size;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
    throw invalid(`fixed ${fullName} needs a non-negative integer size`);
  }
  return String(n);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(message: string): InvalidSchemaError {
  return new InvalidSchemaError(message);
}

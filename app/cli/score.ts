import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { loadModelArtifacts } from '../../model/artifacts.js';
import { ANY_FAILURE_CLASS, decide } from '../../model/decision.js';
import { buildFeatureMatrix } from '../../model/featureMatrix.js';
import { OnnxScorer } from '../../model/OnnxScorer.js';
import { physicalProblem } from '../../processors/inference/validateReading.js';
import type { MachineReading, QualityType } from '../../schemas/reading.js';
import { QUALITY_TYPES } from '../../schemas/reading.js';

const HELP = `pfm score — score a CSV of readings in the AI4I 2020 column layout

Usage: pfm score --in readings.csv --out predictions.csv [--rejects rejects.csv] [--artifacts DIR]

  --in FILE         input CSV with the AI4I header (UDI, Type, the five readings; label columns optional, ignored)
  --out FILE        predictions: UDI, each mode's probability, predicted_modes, any_failure_probability, failure
  --rejects FILE    rows that could not be scored: line, reason, raw line (default <out>.rejects.csv)
  --artifacts DIR   model artifacts (default model/artifacts)

Exit status: 0 all rows scored, 2 some rows rejected (the rest are scored), 1 usage or I/O error.`;

/** Rows per session.run: big enough that run overhead vanishes, small enough to bound the tensor's memory. */
const CHUNK_ROWS = 65_536;
/** Rejected rows echoed to stderr before the rest are only counted (all of them are in the rejects file). */
const STDERR_REJECT_LINES = 20;

const NUMERIC_COLUMNS = [
  ['Air temperature [K]', 'airTemperatureK'],
  ['Process temperature [K]', 'processTemperatureK'],
  ['Rotational speed [rpm]', 'rotationalSpeedRpm'],
  ['Torque [Nm]', 'torqueNm'],
  ['Tool wear [min]', 'toolWearMin'],
] as const satisfies readonly (readonly [string, keyof MachineReading])[];
const REQUIRED_COLUMNS = ['UDI', 'Type', ...NUMERIC_COLUMNS.map(([name]) => name)] as const;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const NON_FINITE = /^[+-]?(inf|infinity|nan)$/i;

/** One input row that parsed into a reading. */
export interface ParsedRow {
  line: number;
  udi: string;
  reading: MachineReading;
}

/** One input row that did not, with the 1-based line number and the line as it was. */
export interface RejectedRow {
  line: number;
  reason: string;
  raw: string;
}

/**
 * Parses an AI4I-layout CSV: the header names the columns (order free, extra columns ignored); every other
 * non-blank line becomes a reading or a reject with its reason: unparseable, or physically impossible by the
 * same rule the stream quarantines with (processors/inference/validateReading.ts). Throws if the header is unusable.
 */
export function parseReadingsCsv(text: string): { rows: ParsedRow[]; rejects: RejectedRow[] } {
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  const headerIndex = lines.findIndex((l) => l.trim() !== '');
  if (headerIndex < 0) throw new Error('the input is empty: expected a header line');
  const header = splitLine(lines[headerIndex] as string).map((h) => h.trim());
  const missing = REQUIRED_COLUMNS.filter((c) => !header.includes(c));
  if (missing.length > 0) {
    throw new Error(
      `the header lacks ${missing.map((c) => `"${c}"`).join(', ')} (got: ${header.join(', ')})`,
    );
  }
  const udiAt = header.indexOf('UDI');
  const typeAt = header.indexOf('Type');
  const numericAt = NUMERIC_COLUMNS.map(([name, key]) => [name, key, header.indexOf(name)] as const);

  const rows: ParsedRow[] = [];
  const rejects: RejectedRow[] = [];
  for (let i = headerIndex + 1; i < lines.length; i++) {
    const raw = (lines[i] as string).replace(/\r$/, '');
    if (raw.trim() === '') continue;
    const line = i + 1;
    const reject = (reason: string): void => {
      rejects.push({ line, reason, raw });
    };
    const fields = splitLine(raw);
    if (fields.length !== header.length) {
      reject(`expected ${header.length} fields, got ${fields.length}`);
      continue;
    }
    const udi = (fields[udiAt] as string).trim();
    if (udi === '') {
      reject('missing UDI');
      continue;
    }
    const type = (fields[typeAt] as string).trim();
    if (type === '') {
      reject('missing Type');
      continue;
    }
    if (!(QUALITY_TYPES as readonly string[]).includes(type)) {
      reject(`unknown quality type "${type}" (expected ${QUALITY_TYPES.join(', ')})`);
      continue;
    }
    const reading = { qualityType: type as QualityType } as MachineReading;
    let problem: string | null = null;
    for (const [name, key, at] of numericAt) {
      const text = (fields[at] as string).trim();
      problem = numberProblem(text, name);
      if (problem) break;
      reading[key] = Number(text);
    }
    if (problem) {
      reject(problem);
      continue;
    }
    // The stream's own check of measured values, so a row scored here would not be quarantined there.
    const physical = physicalProblem(reading);
    if (physical) {
      reject(`${physical.code}: ${physical.reason}`);
      continue;
    }
    rows.push({ line, udi, reading });
  }
  return { rows, rejects };
}

/** `pfm score`: scores a CSV file, writes predictions and rejects; returns the exit status. */
export async function scoreCommand(argv: string[]): Promise<number> {
  let values: { in?: string; out?: string; rejects?: string; artifacts?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        in: { type: 'string' },
        out: { type: 'string' },
        rejects: { type: 'string' },
        artifacts: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    return usage((error as Error).message);
  }
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (!values.in || !values.out) return usage('--in FILE and --out FILE are required');
  const outPath = values.out;
  const rejectsPath = values.rejects ?? `${outPath}.rejects.csv`;

  let parsed: { rows: ParsedRow[]; rejects: RejectedRow[] };
  try {
    parsed = parseReadingsCsv(await readFile(values.in, 'utf8'));
  } catch (error) {
    return fail(`cannot read ${values.in}: ${(error as Error).message}`);
  }
  const { rows, rejects } = parsed;

  let outputCsv: string;
  let failures = 0;
  try {
    const artifacts = await loadModelArtifacts(values.artifacts);
    const scorer = await OnnxScorer.create(artifacts);
    try {
      const modes = artifacts.classes.filter((c) => c !== ANY_FAILURE_CLASS);
      const modeAt = modes.map((m) => artifacts.classes.indexOf(m));
      const c = artifacts.classes.length;
      const out: string[] = [
        [
          'UDI',
          ...modes.map((m) => `${m.toLowerCase()}_probability`),
          'predicted_modes',
          'any_failure_probability',
          'failure',
        ].join(','),
      ];
      for (let start = 0; start < rows.length; start += CHUNK_ROWS) {
        const chunk = rows.slice(start, start + CHUNK_ROWS);
        const x = buildFeatureMatrix(
          chunk.map((r) => r.reading),
          artifacts.scaler,
        );
        const probs = await scorer.score(x, chunk.length);
        for (let i = 0; i < chunk.length; i++) {
          const d = decide(probs, i, artifacts);
          if (d.failure) failures++;
          out.push(
            [
              csvField((chunk[i] as ParsedRow).udi),
              ...modeAt.map((k) => formatProbability(probs[i * c + k] as number)),
              d.predictedModes.join('|'),
              formatProbability(d.anyFailureProbability),
              d.failure ? '1' : '0',
            ].join(','),
          );
        }
      }
      outputCsv = `${out.join('\n')}\n`;
    } finally {
      await scorer.release();
    }
  } catch (error) {
    return fail(`scoring failed: ${(error as Error).message}`);
  }

  const rejectsCsv = [
    'line,reason,raw',
    ...rejects.map((r) => [r.line, csvField(r.reason), csvField(r.raw)].join(',')),
  ];
  try {
    await writeFile(outPath, outputCsv);
    await writeFile(rejectsPath, `${rejectsCsv.join('\n')}\n`);
  } catch (error) {
    return fail(`cannot write output: ${(error as Error).message}`);
  }

  for (const r of rejects.slice(0, STDERR_REJECT_LINES))
    console.error(`pfm score: line ${r.line}: ${r.reason}`);
  if (rejects.length > STDERR_REJECT_LINES) {
    console.error(`pfm score: ... and ${rejects.length - STDERR_REJECT_LINES} more rejected rows`);
  }
  const read = rows.length + rejects.length;
  console.log(
    `pfm score: ${read} rows read = ${rows.length} scored + ${rejects.length} rejected; ` +
      `${failures} predicted failures; predictions in ${outPath}, rejects in ${rejectsPath}`,
  );
  return rejects.length > 0 ? 2 : 0;
}

function numberProblem(text: string, column: string): string | null {
  if (text === '') return `missing ${column}`;
  if (NON_FINITE.test(text)) return `${column} is not finite: "${text}"`;
  if (!DECIMAL.test(text)) return `${column} is not a number: "${text}"`;
  if (!Number.isFinite(Number(text))) return `${column} is not finite: "${text}"`;
  return null;
}

/** Splits one CSV line; a double-quoted field may hold commas and doubled quotes. */
function splitLine(line: string): string[] {
  if (!line.includes('"')) return line.split(',');
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') {
        quoted = false;
      } else {
        field += ch;
      }
    } else if (ch === '"') {
      quoted = true;
    } else if (ch === ',') {
      fields.push(field);
      field = '';
    } else {
      field += ch;
    }
  }
  fields.push(field);
  return fields;
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function formatProbability(p: number): string {
  return p.toFixed(6);
}

function usage(message: string): number {
  console.error(`pfm score: ${message}\n\n${HELP}`);
  return 1;
}

function fail(message: string): number {
  console.error(`pfm score: ${message}`);
  return 1;
}

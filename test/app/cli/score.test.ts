import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  describe,
  expect,
  it,
  type MockInstance,
  vi,
} from 'vitest';
import { parseReadingsCsv, scoreCommand } from '../../../app/cli/score.js';
import { validateReading } from '../../../processors/inference/validateReading.js';

const FIXTURE = fileURLToPath(new URL('../../fixtures/model/readings.csv', import.meta.url));
const HEADER =
  'UDI,Product ID,Type,Air temperature [K],Process temperature [K],Rotational speed [rpm],Torque [Nm],' +
  'Tool wear [min],Machine failure,TWF,HDF,PWF,OSF,RNF';

let dir: string;
let log: MockInstance<typeof console.log>;
let error: MockInstance<typeof console.error>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pfm-score-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  log = vi.spyOn(console, 'log').mockImplementation(() => {});
  error = vi.spyOn(console, 'error').mockImplementation(() => {});
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** Parses a CSV the command wrote into header-keyed records. */
async function readCsv(path: string): Promise<Record<string, string>[]> {
  const [header, ...lines] = (await readFile(path, 'utf8')).trimEnd().split('\n');
  const names = (header as string).split(',');
  return lines.map((l) => {
    const fields = l.match(/("([^"]|"")*"|[^,]*)(,|$)/g)?.map((f) => f.replace(/,$/, '')) ?? [];
    return Object.fromEntries(
      names.map((n, i) => {
        const f = fields[i] ?? '';
        return [n, f.startsWith('"') ? f.slice(1, -1).replace(/""/g, '"') : f];
      }),
    );
  });
}

describe('pfm score on a CSV with bad rows', () => {
  let code: number;
  let predictions: Record<string, string>[];
  let rejects: Record<string, string>[];
  const out = (): string => join(dir, 'predictions.csv');

  beforeAll(async () => {
    vi.spyOn(console, 'log').mockImplementation(() => {});
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    code = await scoreCommand(['--in', FIXTURE, '--out', out()]);
    predictions = await readCsv(out());
    rejects = await readCsv(`${out()}.rejects.csv`);
    expect(err.mock.calls.map((c) => c[0])).toContain(
      'pfm score: line 6: Torque [Nm] is not a number: "abc"',
    );
    vi.restoreAllMocks();
  });

  it('exits 2 because rows were rejected', () => {
    expect(code).toBe(2);
  });

  it('scores every good row and rejects every bad one: read = scored + rejected', async () => {
    const nonBlank = (await readFile(FIXTURE, 'utf8')).split('\n').filter((l) => l.trim() !== '').length - 1;
    expect(predictions).toHaveLength(8);
    expect(rejects).toHaveLength(6);
    expect(predictions.length + rejects.length).toBe(nonBlank);
  });

  it('writes the rejects with line numbers, reasons and the raw line', () => {
    expect(rejects.map((r) => [r.line, r.reason])).toEqual([
      ['4', 'missing Rotational speed [rpm]'],
      ['6', 'Torque [Nm] is not a number: "abc"'],
      ['9', 'Tool wear [min] is not finite: "Infinity"'],
      ['10', 'unknown quality type "X" (expected L, M, H)'],
      ['13', 'expected 14 fields, got 7'],
      ['15', 'Air temperature [K] is not finite: "NaN"'],
    ]);
    expect(rejects[0]?.raw).toBe('9001,L50001,L,298.1,308.6,,42.8,0,0,0,0,0,0,0');
  });

  it('writes one prediction per good row, in input order, with the documented columns', () => {
    expect(Object.keys(predictions[0] ?? {})).toEqual([
      'UDI',
      'twf_probability',
      'hdf_probability',
      'pwf_probability',
      'osf_probability',
      'rnf_probability',
      'predicted_modes',
      'any_failure_probability',
      'failure',
    ]);
    expect(predictions.map((p) => p.UDI)).toEqual(['4', '17', '208', '381', '1325', '1420', '4407', '5510']);
    for (const p of predictions) {
      for (const col of ['twf_probability', 'hdf_probability', 'any_failure_probability']) {
        const v = Number(p[col]);
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
      }
    }
  });

  it('flags the labelled failures with their modes and leaves healthy rows alone', () => {
    const byUdi = new Map(predictions.map((p) => [p.UDI, p]));
    const expected: [string, string, string][] = [
      ['4', '', '0'],
      ['17', '', '0'],
      ['208', 'PWF', '1'],
      ['381', 'PWF', '1'],
      ['1325', 'PWF|OSF', '1'],
      ['4407', 'HDF', '1'],
      ['5510', '', '0'],
    ];
    for (const [udi, modes, failure] of expected) {
      expect([udi, byUdi.get(udi)?.predicted_modes, byUdi.get(udi)?.failure]).toEqual([udi, modes, failure]);
    }
    expect(byUdi.get('1420')?.predicted_modes?.split('|')).toContain('OSF');
  });
});

describe('pfm score exit status and files', () => {
  it('exits 0 and writes an empty rejects file when every row is good', async () => {
    const input = join(dir, 'good.csv');
    await writeFile(
      input,
      `${HEADER}\n1,L1,L,298.1,308.6,1551,42.8,0,0,0,0,0,0,0\n2,M2,M,298.2,308.7,1408,46.3,3,0,0,0,0,0,0\n`,
    );
    const out = join(dir, 'good-out.csv');
    const rejectsPath = join(dir, 'good-rejects.csv');
    expect(await scoreCommand(['--in', input, '--out', out, '--rejects', rejectsPath])).toBe(0);
    expect(await readCsv(out)).toHaveLength(2);
    expect(await readFile(rejectsPath, 'utf8')).toBe('line,reason,raw\n');
    expect(log).toHaveBeenCalledWith(expect.stringMatching(/2 rows read = 2 scored \+ 0 rejected/));
  });

  it('accepts the layout without label columns, in another column order', async () => {
    const input = join(dir, 'nolabels.csv');
    await writeFile(
      input,
      'Type,UDI,Tool wear [min],Torque [Nm],Rotational speed [rpm],Process temperature [K],Air temperature [K]\r\n' +
        'M,7,194,74.5,1243,310.1,298.8\r\n',
    );
    const out = join(dir, 'nolabels-out.csv');
    expect(await scoreCommand(['--in', input, '--out', out])).toBe(0);
    const [row] = await readCsv(out);
    expect(row?.UDI).toBe('7');
    expect(row?.predicted_modes).toContain('OSF');
  });

  const USAGE_CASES: { name: string; argv: (d: string) => string[] }[] = [
    { name: 'no arguments', argv: () => [] },
    { name: 'no --out', argv: () => ['--in', FIXTURE] },
    { name: 'an unknown option', argv: (d) => ['--in', FIXTURE, '--out', join(d, 'x.csv'), '--fast'] },
    { name: 'a missing input file', argv: (d) => ['--in', join(d, 'nope.csv'), '--out', join(d, 'x.csv')] },
    {
      name: 'an unwritable output',
      argv: (d) => ['--in', FIXTURE, '--out', join(d, 'no-such-dir', 'x.csv')],
    },
    {
      name: 'a missing artifacts directory',
      argv: (d) => ['--in', FIXTURE, '--out', join(d, 'x.csv'), '--artifacts', d],
    },
  ];
  it.each(USAGE_CASES)('exits 1 on $name', async ({ argv }) => {
    expect(await scoreCommand(argv(dir))).toBe(1);
    expect(error).toHaveBeenCalled();
  });

  it('rejects a negative torque with its line number and the reason the stream quarantines it for', async () => {
    const input = join(dir, 'negative-torque.csv');
    await writeFile(
      input,
      `${HEADER}\n1,L1,L,298.1,308.6,1551,42.8,0,0,0,0,0,0,0\n2,L2,L,298.1,308.6,1551,-12.5,0,0,0,0,0,0,0\n`,
    );
    const out = join(dir, 'negative-torque-out.csv');
    expect(await scoreCommand(['--in', input, '--out', out])).toBe(2);
    const reason = 'OUT_OF_RANGE: torqueNm=-12.5 outside the physical range [0, 500]';
    expect(error).toHaveBeenCalledWith(`pfm score: line 3: ${reason}`);
    expect((await readCsv(`${out}.rejects.csv`)).map((r) => [r.line, r.reason])).toEqual([['3', reason]]);
    expect((await readCsv(out)).map((r) => r.UDI)).toEqual(['1']);
    // One rule for every door: the stream's validation gives the same code and reason for the same values.
    const stream = validateReading(
      {
        deviceId: 'L2',
        timestamp: Date.UTC(2026, 0, 1),
        sequenceNumber: 0,
        firmware: 'fw',
        qualityType: 'L',
        airTemperatureK: 298.1,
        processTemperatureK: 308.6,
        rotationalSpeedRpm: 1551,
        torqueNm: -12.5,
        toolWearMin: 0,
      },
      Date.UTC(2026, 0, 1),
    );
    expect(stream && `${stream.code}: ${stream.reason}`).toBe(reason);
  });

  it('exits 1 when the header lacks a reading column', async () => {
    const input = join(dir, 'badheader.csv');
    await writeFile(input, 'UDI,Type,Air temperature [K]\n1,L,300\n');
    expect(await scoreCommand(['--in', input, '--out', join(dir, 'y.csv')])).toBe(1);
    expect(error).toHaveBeenCalledWith(expect.stringMatching(/header lacks "Process temperature \[K\]"/));
  });
});

describe('parseReadingsCsv', () => {
  it('reads quoted fields and keeps blank lines out of the count', () => {
    const { rows, rejects } = parseReadingsCsv(
      `\uFEFF${HEADER}\n"10",L1,L,298.1,308.6,1551,42.8,0,0,0,0,0,0,0\n\n11,"M,2",M,3e2,308.6,1551,42.8,-0,0,0,0,0,0,0\n`,
    );
    expect(rejects).toEqual([]);
    expect(rows.map((r) => [r.line, r.udi, r.reading.airTemperatureK])).toEqual([
      [2, '10', 298.1],
      [4, '11', 300],
    ]);
  });

  it.each([
    ['0x10', 'is not a number'],
    ['1e400', 'is not finite'],
    ['-inf', 'is not finite'],
    [' ', 'missing'],
  ])('rejects a torque of "%s" (%s)', (torque, reason) => {
    const { rows, rejects } = parseReadingsCsv(
      `${HEADER}\n1,L1,L,298.1,308.6,1551,${torque},0,0,0,0,0,0,0\n`,
    );
    expect(rows).toEqual([]);
    expect(rejects[0]?.reason).toContain(reason);
    expect(rejects[0]?.line).toBe(2);
  });
});

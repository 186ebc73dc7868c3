import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { askCommand } from '../../../app/cli/ask.js';
import { duration, forecastCommand } from '../../../app/cli/forecast.js';
import type { FleetForecast, MachineForecast } from '../../../processors/forecast/types.js';
import { writeForecastStore } from '../../fixtures/forecastStore.js';

let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'pfm-forecast-'));
  await writeForecastStore(dataDir);
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function run(
  args: string[],
  command: (argv: string[]) => Promise<number> = forecastCommand,
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => {
    out += `${a.join(' ')}\n`;
  });
  const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => {
    err += `${a.join(' ')}\n`;
  });
  try {
    return { code: await command(args), out, err };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

describe('pfm forecast', () => {
  it('--json: every machine, ranked by due time, the one without history told so', async () => {
    const { code, out } = await run(['--data', dataDir, '--json', '--step', '20']);
    expect(code).toBe(0);
    const forecast = JSON.parse(out) as FleetForecast;
    expect(forecast.machines).toHaveLength(9);
    const ok = forecast.machines.filter((m): m is MachineForecast => m.status === 'ok');
    expect(ok).toHaveLength(8);
    const dues = ok.map((m) => m.dueAt ?? Number.POSITIVE_INFINITY);
    expect(dues).toEqual([...dues].sort((a, b) => a - b));
    for (const m of ok) {
      // Learned from the machine's own readings: 3-min pace, a wear rate of 2, 3 or 5 min per process.
      expect(m.learned.paceMs).toBe(180_000);
      expect([40, 60, 100]).toContain(Math.round(m.learned.wearPerHour));
      expect(m.curve).toHaveLength(24);
      for (const h of m.horizons) expect(h.forecastable).toBeGreaterThanOrEqual(0);
    }
    expect(forecast.machines.at(-1)).toMatchObject({ deviceId: 'M-0099', status: 'not_enough_data' });
    expect(forecast.modes.map((n) => [n.mode, n.forecastable])).toEqual([
      ['TWF', true],
      ['HDF', true],
      ['PWF', false],
      ['OSF', true],
      ['RNF', false],
    ]);
    expect(forecast.settings.stepMs).toBe(20 * 60_000);
  });

  it('prints the table, the machines without a forecast, the modes and a summary line', async () => {
    const { code, out, err } = await run(['--data', dataDir, '--limit', '3', '--step', '20']);
    expect(code).toBe(0);
    expect(err).toMatch(/projecting every machine/);
    expect(out).toMatch(
      /^ ?#\s+machine\s+type\s+due\s+mode\s+p\(2 h\)\s+p\(8 h\)\s+wear min\s+do first\s+after/m,
    );
    expect(out.match(/^ ?\d+ {2}M-00\d\d/gm)).toHaveLength(3);
    expect(out).toMatch(/\.\.\. 5 more machine\(s\)/);
    expect(out).toMatch(
      /Not enough data \(1\):\n {2}M-0099: only 5 reading\(s\); a forecast needs at least 30/,
    );
    expect(out).toMatch(/PWF: not forecastable from the stream/);
    expect(out).toMatch(
      /pfm forecast: 9 machine\(s\): \d+ due within 2 h, \d+ within 8 h, 1 without enough data; /,
    );
  });

  it('explains itself, and names a flag that is wrong', async () => {
    expect((await run(['--help'])).out).toMatch(/pfm forecast — when each machine will likely fail/);
    await expect(run(['--data', dataDir, '--level', '2'])).rejects.toThrow(/--level must be between 0 and 1/);
    await expect(run(['--data', dataDir, '--step', '7'])).rejects.toThrow(/--step 7 min must divide/);
    await expect(run(['--data', join(dataDir, 'none')])).rejects.toThrow(/no run with data in/);
    expect(duration(95 * 60_000)).toBe('1 h 35 min');
  });
});

describe('pfm ask, locally, about maintenance', () => {
  it('answers "what should we service before the night shift?" from the forecast', async () => {
    vi.stubEnv('PFM_AGENT_ID', '');
    vi.stubEnv('PFM_AGENT_ALIAS_ID', '');
    try {
      const { code, out } = await run(
        ['what should we service before the night shift?', '--data', dataDir, '--local'],
        askCommand,
      );
      expect(code).toBe(0);
      expect(out).toMatch(
        /Maintenance plan for the next 8 h from the latest reading \(2026-01-05T[\d:.]+Z\)/,
      );
      expect(out).toMatch(
        /^ {2,3}1\. M-00\d\d \(type [LMH]\): due 2026-01-0\dT[\d:.]+Z \(in [^)]+\), (TWF|HDF|OSF)/m,
      );
      expect(out).toMatch(/not enough data: M-0099: only 5 reading\(s\)/);
      expect(out).toMatch(/Note: Shift times are not known here: planned for the next 8 h/);
      expect(out).toMatch(/Tools: maintenance_plan\(\)\./);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

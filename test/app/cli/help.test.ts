import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { main } from '../../../app/cli/main.js';

let out: string;
let err: string;
let spies: MockInstance[];
beforeEach(() => {
  out = '';
  err = '';
  spies = [
    vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => {
      out += `${a.join(' ')}\n`;
    }),
    vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => {
      err += `${a.join(' ')}\n`;
    }),
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      err += String(chunk);
      return true;
    }),
  ];
});
afterEach(() => {
  for (const s of spies) s.mockRestore();
});

const COMMANDS = ['run', 'simulate', 'consume', 'replay', 'score', 'ask', 'ui', 'top', 'query', 'drift'];

describe('pfm --help', () => {
  it.each([[['--help']], [['-h']], [['help']]])('pfm %j prints the usage and exits 0', async (argv) => {
    expect(await main(argv)).toBe(0);
    for (const c of COMMANDS) expect(out).toContain(`pfm ${c}`);
  });

  it.each(COMMANDS)('pfm %s --help prints its own help and exits 0', async (command) => {
    expect(await main([command, '--help'])).toBe(0);
    expect(out).toMatch(new RegExp(`^pfm ${command} — `));
    expect(err).toBe('');
  });

  it.each([
    ['drift', 'events'],
    ['drift', 'scores'],
    ['drift', 'evaluate'],
    ['drift', 'calibrate'],
    ['top', '--limit', '3'],
  ])('pfm %s %s ... --help exits 0 too', async (...argv) => {
    expect(await main([...argv, '--help'])).toBe(0);
    expect(out.length).toBeGreaterThan(100);
  });
});

describe('bad values are refused with one line, before anything starts', () => {
  it.each([
    [['run', '--records', '-5'], '--records must be a positive integer, got "-5"'],
    [['run', '--records', '0'], '--records must be a positive integer, got "0"'],
    [['run', '--shards', '0'], '--shards must be a positive integer, got "0"'],
    [['run', '--machines', '-1'], '--machines must be a positive integer, got "-1"'],
    [['run', '--rate', '-100'], '--rate must be a number >= 0, got "-100"'],
    [['run', '--span', '0h'], '--span must be a duration above zero'],
    [['run', '--span', '-2h'], '--span must be a duration above zero'],
    [['run', '--interval', '0s'], '--interval must be a duration or a range'],
    [['run', '--interval', '10m-5m'], '--interval must be a duration or a range'],
    [['run', '--poison', '1.5'], '--poison must be a number from 0 to 1, got "1.5"'],
    [['run', '--batch-size', '0'], '--batch-size must be a positive integer'],
    [['run', '--port', '70000'], '--port must be an integer from 0 to 65535'],
    [['run', '--duration', '0s'], '--duration must be a duration above zero'],
    [['run', '--records', '10', '--follow'], '--records ends the run after N readings'],
    [['run', '--drift', 'torqueNm:offset:8@+49h'], "after the run's last reading"],
    [['run', '--bogus'], `Unknown option '--bogus' (see "pfm run --help")`],
    [['simulate', '--records', '0', '--out', 'x.csv'], '--records must be a positive integer, got "0"'],
    [['top', '--limit', '0'], '--limit must be a positive integer, got "0"'],
    [['top', '--window', '-3'], '--window must be a positive integer, got "-3"'],
    [['ui', '--port', '-1'], '--port must be an integer from 0 to 65535, got "-1"'],
  ])('pfm %j', async (argv, message) => {
    expect(await main(argv)).toBe(1);
    const lines = err.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`pfm ${argv[0]}: `);
    expect(lines[0]).toContain(message);
    expect(out).toBe('');
  });
});

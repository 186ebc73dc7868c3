import { type ParseArgsConfig, parseArgs } from 'node:util';
import { parseDuration } from '../../stream/simulator/duration.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * parseArgs with the CLI's manners: a negative number after a flag (`--records -5`) is taken as that flag's
 * value, so the check that follows can say what is wrong with it instead of Node's "argument is ambiguous";
 * an unknown option or a missing value becomes one line that points at the command's --help.
 */
export function parseCommandArgs<T extends Options>(
  command: string,
  argv: string[],
  options: T,
  extra: { allowPositionals?: boolean } = {},
) {
  const joined: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const name = arg.startsWith('--') ? arg.slice(2) : undefined;
    const next = argv[i + 1];
    if (name && options[name]?.type === 'string' && next !== undefined && /^-[\d.]/.test(next)) {
      joined.push(`${arg}=${next}`);
      i++;
    } else joined.push(arg);
  }
  try {
    return parseArgs({
      args: joined,
      options,
      strict: true,
      allowPositionals: extra.allowPositionals ?? false,
    });
  } catch (error) {
    const message = (error as Error).message.split('\n')[0]?.replace(/\.$/, '') ?? String(error);
    throw new Error(`${message} (see "pfm ${command} --help")`);
  }
}

/** An integer flag >= 1, or an error naming the flag and what it got. */
export function positiveInt(text: string | undefined, flag: string): number {
  const n = Number(text);
  if (text === undefined || text.trim() === '' || !Number.isSafeInteger(n) || n <= 0)
    throw new Error(`${flag} must be a positive integer, got "${text}"`);
  return n;
}

/** An integer flag >= 0, or an error naming the flag and what it got. */
export function nonNegativeInt(text: string | undefined, flag: string): number {
  const n = Number(text);
  if (text === undefined || text.trim() === '' || !Number.isSafeInteger(n) || n < 0)
    throw new Error(`${flag} must be an integer >= 0, got "${text}"`);
  return n;
}

/** A number flag >= 0, or an error naming the flag and what it got. */
export function nonNegativeNumber(text: string | undefined, flag: string): number {
  const n = Number(text);
  if (text === undefined || text.trim() === '' || !Number.isFinite(n) || n < 0)
    throw new Error(`${flag} must be a number >= 0, got "${text}"`);
  return n;
}

/** A fraction flag in [0, 1]. */
export function fraction(text: string | undefined, flag: string): number {
  const n = Number(text);
  if (text === undefined || text.trim() === '' || !(n >= 0 && n <= 1))
    throw new Error(`${flag} must be a number from 0 to 1, got "${text}"`);
  return n;
}

/** Any integer (a seed). */
export function integer(text: string | undefined, flag: string): number {
  const n = Number(text);
  if (text === undefined || text.trim() === '' || !Number.isSafeInteger(n))
    throw new Error(`${flag} must be an integer, got "${text}"`);
  return n;
}

/** A TCP port, 0 meaning any free one. */
export function port(text: string | undefined, flag: string): number {
  const n = Number(text);
  if (text === undefined || text.trim() === '' || !(Number.isSafeInteger(n) && n >= 0 && n <= 65_535))
    throw new Error(`${flag} must be an integer from 0 to 65535, got "${text}"`);
  return n;
}

/** A positive duration such as 90s, 30m, 48h or 2d. */
export function duration(text: string | undefined, flag: string): number {
  const ms = text === undefined ? undefined : parseDuration(text);
  if (ms === undefined || ms <= 0)
    throw new Error(`${flag} must be a duration above zero such as 90s, 30m, 48h or 2d, got "${text}"`);
  return ms;
}

/** A reading interval: one duration (every machine) or a range `min-max` (each machine its own). */
export function intervalRange(text: string | undefined, flag: string): { minMs: number; maxMs: number } {
  const [low, high, ...rest] = (text ?? '').split('-');
  const fail = (): never => {
    throw new Error(`${flag} must be a duration or a range such as 5m-10m or 30s, got "${text}"`);
  };
  if (rest.length > 0 || low === undefined) return fail();
  const minMs = parseDuration(low);
  const maxMs = high === undefined ? minMs : parseDuration(high);
  if (minMs === undefined || maxMs === undefined || minMs <= 0 || maxMs < minMs) return fail();
  return { minMs, maxMs };
}

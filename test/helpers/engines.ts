import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * The real engines some tests run against (Debian packages that scripts/test-deps.sh installs as root). Locally
 * a missing engine skips those tests with a printed reason; on CI it fails them, so a CI run cannot go green by
 * skipping what it was meant to test.
 */
export interface Engine {
  name: string;
  /** Its executable, or undefined when it is not installed. */
  path: string | undefined;
  /** How to install it. */
  install: string;
}

/** Whether this is a CI run: `CI` set to anything but empty, `0` or `false` (the convention CI services follow). */
export function onCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = (env.CI ?? '').trim().toLowerCase();
  return ci !== '' && ci !== '0' && ci !== 'false';
}

/** The first executable `name` on PATH, or undefined. */
export function findOnPath(name: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

function executable(path: string): string | undefined {
  try {
    accessSync(path, constants.X_OK);
    return path;
  } catch {
    return undefined;
  }
}

/** Debian's InfluxDB 1.x server (package `influxdb`). */
export const INFLUXD: Engine = {
  name: 'influxd',
  path: findOnPath('influxd'),
  install: 'apt-get install -y influxdb; scripts/test-deps.sh does it as root',
};

/** Debian's Chromium, driven headless by playwright-core. */
export const CHROMIUM: Engine = {
  name: 'chromium',
  path: executable('/usr/bin/chromium'),
  install: 'apt-get install -y chromium; scripts/test-deps.sh does it as root',
};

/**
 * Whether the tests named `tests` must be skipped for want of `engine`: only when it is missing and this is not
 * CI, and then it prints why. On CI they run, and `requireEngine` (or the engine's start) fails them.
 */
export function skipWithout(engine: Engine, tests: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (engine.path !== undefined || onCi(env)) return false;
  console.warn(`SKIPPED ${tests}: ${engine.name} is not installed (${engine.install})`);
  return true;
}

/** The engine's executable; throws, naming it and how to install it, when it is missing. */
export function requireEngine(engine: Engine, env: NodeJS.ProcessEnv = process.env): string {
  if (engine.path !== undefined) return engine.path;
  const consequence = onCi(env)
    ? 'on CI (CI=true) the tests that need it fail instead of skipping'
    : 'the tests that need it cannot run';
  throw new Error(`${engine.name} is not installed (${engine.install}); ${consequence}`);
}

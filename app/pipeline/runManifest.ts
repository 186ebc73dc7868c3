import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

/** What a run folder says about its run (run.json): what was asked, and how it ended. */
export interface RunManifest {
  id: string;
  command: string;
  pid: number;
  /** ISO-8601 wall-clock times of the run itself. */
  startedAt: string;
  finishedAt?: string;
  status: 'running' | 'finished' | 'stopped' | 'failed';
  machines: number;
  /** Each machine reads at its own interval in [minMs, maxMs]. */
  intervalMs: { min: number; max: number };
  /** The reading time planned (epoch ms); `end` absent for a run that went on live. */
  readingTime: { start: number; end?: number; readings?: number };
  drift: string[];
  /** Filled in at the end. */
  outcome?: {
    produced: number;
    scored: number;
    quarantined: number;
    deadLettered: number;
    accountedFor: boolean;
  };
  error?: string;
}

/** Writes the manifest whole (a temp file renamed over it), so a reader never sees half of one. */
export function writeRunManifest(path: string, manifest: RunManifest): void {
  const temp = `${path}.tmp`;
  writeFileSync(temp, `${JSON.stringify(manifest, null, 2)}\n`);
  renameSync(temp, path);
}

/** The manifest of a run folder, or undefined when it has none (a folder from before manifests, or not a run). */
export function readRunManifest(path: string): RunManifest | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as RunManifest;
  } catch {
    return undefined;
  }
}

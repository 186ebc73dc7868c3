#!/usr/bin/env node
// The CLI is written in TypeScript; tsx compiles it on load so no build step stands between a clone and a run.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));

#!/usr/bin/env -S node --max-semi-space-size=64
// A 64 MB young generation: a scored batch of 10,000 rows survives a few scavenges, and the default 16 MB
// semi-space spends more time copying it than scoring it (BENCHMARKS.md).
// The CLI is written in TypeScript; tsx compiles it on load so no build step stands between a clone and a run.
import { register } from 'tsx/esm/api';

// The AWS SDK warns on every run that its 2027 releases will need Node 22; the project targets Node 20 until then
// (see the README), so the CLI uses the SDK's documented switch to keep that notice out of the pipeline's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
const { main } = await import('../app/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));

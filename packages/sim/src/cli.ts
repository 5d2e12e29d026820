#!/usr/bin/env node
import { main } from './cliMain.js';
import { runLive } from './live/runLive.js';

process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.env.INIT_CWD ?? process.cwd(),
  live: async (o) => {
    const stop = new AbortController();
    process.once('SIGINT', () => stop.abort());
    await runLive({ ...o, stdout: o.io.stdout, stderr: o.io.stderr, signal: stop.signal });
    return 0;
  },
});

#!/usr/bin/env node
import { main } from './cliMain.js';
import { isLiveFleetError } from './live/LiveFleetError.js';
import { runLive } from './live/runLive.js';
import { runLiveFleet } from './live/runLiveFleet.js';

process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.env.INIT_CWD ?? process.cwd(),
  live: async (o) => {
    const stop = new AbortController();
    // The first Ctrl-C stops new calls and waits for those in progress; the second quits at
    // once (process.exit runs the 'exit' handlers that kill the fleet's workers and redis-server).
    process.on('SIGINT', () => (stop.signal.aborted ? process.exit(130) : stop.abort()));
    const common = { scenario: o.scenario, seed: o.seed, policy: o.policy, port: o.port, stdout: o.io.stdout, stderr: o.io.stderr, signal: stop.signal };
    try {
      if (o.processes === undefined) await runLive(common);
      else await runLiveFleet({ ...common, processes: o.processes, ...(o.redis === undefined ? {} : { redis: o.redis }) });
    } catch (error) {
      if (!isLiveFleetError(error)) throw error;
      o.io.stderr.write(`stormwatch-sim: ${error.message}\n`);
      return 1;
    }
    return 0;
  },
});

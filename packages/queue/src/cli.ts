#!/usr/bin/env node
import { main } from './cli/cliMain.js';
import { processStopRequests } from './cli/stopRequests.js';

process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), stopRequests: processStopRequests });
// The command is over. A drain's handler module may have left connections open (its client's
// keep-alive sockets, a Redis overload store) that must not keep the process alive: exit once
// what was written is flushed.
process.stdout.write('', () => process.stderr.write('', () => process.exit()));

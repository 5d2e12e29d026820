/**
 * `node --import @stormwatch/node/register app.js`: starts telemetry (configured by the
 * `OTEL_*` variables) before the application loads, and flushes it when the process ends
 * on its own or on SIGTERM / SIGINT.
 */
import { installExitHooks } from './internal/exitHooks.js';
import { start } from './start.js';

start();
installExitHooks();

/**
 * `node --import @stormwatch/node/register app.js`: starts telemetry (configured by the
 * `OTEL_*` variables) when the application creates its first Stormwatch policy, and flushes
 * it when the process ends on its own or on SIGTERM / SIGINT.
 *
 * Why at the first policy and not at once: a service that sets up its own OpenTelemetry SDK
 * in its main module (after `--import` modules ran) does so before it builds its clients;
 * waiting lets `start()` find that SDK and leave it in place instead of taking the global
 * providers first (the API would then refuse the service's own). Stormwatch's telemetry is
 * about policies only, so nothing is lost by waiting.
 */
import { diag } from '@opentelemetry/api';
import { livePolicies, onPolicyCreated } from '@stormwatch/core';
import { installExitHooks } from './internal/exitHooks.js';
import { start } from './start.js';

function startGuarded(): void {
  try {
    start();
  } catch (error) {
    // Never into the application's createPolicy(): a telemetry failure must not stop the service.
    diag.error('@stormwatch/node: starting telemetry failed', error);
  }
}

if (livePolicies().length > 0) {
  startGuarded();
} else {
  let started = false;
  const subscription = onPolicyCreated(() => {
    if (started) return;
    started = true;
    startGuarded();
    // Removed after this announcement, not during it (the other listeners still run).
    queueMicrotask(() => subscription.dispose());
  });
}
installExitHooks();

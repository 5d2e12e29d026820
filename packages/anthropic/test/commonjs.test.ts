/**
 * A CommonJS service as one meets it (issue 12, point 1): `examples/commonjs.cjs` run by plain
 * Node in a child process, the SDK and the built package both from `require()` (this
 * package's CommonJS build) — Node's own resolution, which the test runner's would hide.
 * Needs the package built (turbo's `test` depends on `build`).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { apiError, FakeAnthropic, ok, overloaded } from '@stormwatch/fake-anthropic';
import { afterEach, describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const example = fileURLToPath(new URL('../examples/commonjs.cjs', import.meta.url));

function runExample(baseURL: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const env = { PATH: process.env.PATH ?? '', ANTHROPIC_BASE_URL: baseURL, ANTHROPIC_API_KEY: 'test-key' };
    execFile(process.execPath, [example], { cwd: packageDir, env, timeout: 20_000 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`example failed: ${error.message}\n${stderr}`));
      resolve(stdout.trim().split('\n'));
    });
  });
}

let server: FakeAnthropic | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('examples/commonjs.cjs', () => {
  it('retries two 529s through the CommonJS SDK and answers; a 401 in messages.stream() is the SDK’s own class', async () => {
    // retry-after: 0, so the model's pause costs no real time; the pacing after a 529 still runs.
    server = await FakeAnthropic.start({ script: [overloaded(0), overloaded(0), ok({ text: 'answered after the storm' }), apiError(401, 'authentication_error')] });
    const lines = await runExample(server.url);
    expect(lines).toEqual([
      'attempt 1: retryable_error overloaded_error',
      'attempt 2: retryable_error overloaded_error',
      'attempt 3: success ',
      'answered after the storm',
      'attempt 1: fatal_error authentication_error',
      'stream refused: 401',
    ]);
    expect(server.counts()).toEqual({ '529': 2, '200': 1, '401': 1 });
  }, 30_000);
});

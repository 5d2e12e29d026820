/**
 * A CommonJS service as one meets it (issue 12, point 1): `examples/commonjs.cjs` run by plain
 * Node in a child process, the SDK from `require()`, the built package from `import()` — Node's
 * own resolution, which the test runner's would hide. Needs the package built (turbo's `test`
 * depends on `build`).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { FakeAnthropic, ok, overloaded } from '@stormwatch/fake-anthropic';
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
  it('retries two 529s through the CommonJS SDK and answers', async () => {
    // retry-after: 0, so the model's pause costs no real time; the pacing after a 529 still runs.
    server = await FakeAnthropic.start({ script: [overloaded(0), overloaded(0), ok({ text: 'answered after the storm' })] });
    const lines = await runExample(server.url);
    expect(lines).toEqual(['attempt 1: retryable_error overloaded_error', 'attempt 2: retryable_error overloaded_error', 'attempt 3: success ', 'answered after the storm']);
    expect(server.counts()).toEqual({ '529': 2, '200': 1 });
  }, 30_000);
});

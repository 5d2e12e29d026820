// A CommonJS service: the SDK comes from require() (its CommonJS build, whose error classes
// differ from the ES module build @stormwatch/anthropic imports), Stormwatch from import()
// until it ships a CommonJS build of its own. Run with ANTHROPIC_API_KEY set (and, against
// a local fake server, ANTHROPIC_BASE_URL): `node examples/commonjs.cjs`.
/* global require, process, console -- plain Node CommonJS, outside the TypeScript config */
/* eslint-disable @typescript-eslint/no-require-imports -- require() is the point */
const Anthropic = require('@anthropic-ai/sdk');

async function main() {
  const { resilient } = await import('@stormwatch/anthropic');
  const client = resilient(new Anthropic(), { policy: 'commonjs-service' });
  client.policy.onAttemptEnd(({ attempt, outcome, classification }) => {
    console.log(`attempt ${attempt}: ${outcome}`, classification?.errorType ?? '');
  });
  const msg = await client.messages.create({
    model: 'claude-opus-4-6',
    max_tokens: 1024,
    messages: [{ role: 'user', content: 'Hello' }],
  });
  console.log(msg.content[0].text);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});

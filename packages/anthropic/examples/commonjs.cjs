// A CommonJS service: the SDK and Stormwatch both come from require() — their CommonJS
// builds, so the SDK's error classes and MessageStream are the ones the service's own code
// sees. Run with ANTHROPIC_API_KEY set (and, against a local fake server,
// ANTHROPIC_BASE_URL): `node examples/commonjs.cjs`.
/* global require, process, console -- plain Node CommonJS, outside the TypeScript config */
/* eslint-disable @typescript-eslint/no-require-imports -- require() is the point */
const Anthropic = require('@anthropic-ai/sdk');
const { resilient } = require('@stormwatch/anthropic');

async function main() {
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
  // The SDK's errors reach the service as its own classes, through messages.stream() too.
  try {
    await client.messages.stream({ model: 'claude-opus-4-6', max_tokens: 64, messages: [{ role: 'user', content: 'Hi' }] }).finalMessage();
  } catch (error) {
    console.log(error instanceof Anthropic.AuthenticationError ? `stream refused: ${error.status}` : `unexpected: ${error}`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});

import Anthropic from '@anthropic-ai/sdk';
import type { AttemptContext } from '@stormwatch/core';
import { type FakeAnthropic, ok, overloaded } from '@stormwatch/fake-anthropic';
import { afterEach, describe, expect, it } from 'vitest';
import { resilient, type MessageContent } from '../src/index.js';
import { drive, opus, setup, sonnet } from './harness.js';

let server: FakeAnthropic | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const conversation: Anthropic.Messages.MessageParam[] = [
  { role: 'user', content: 'What is the weather in Paris?' },
  {
    role: 'assistant',
    content: [
      { type: 'text', text: 'Let me look.' },
      { type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Paris' } },
    ],
  },
  {
    role: 'user',
    content: [
      { type: 'tool_result', tool_use_id: 'toolu_1', content: '18 °C, light rain' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
      { type: 'image', source: { type: 'url', url: 'https://example.com/radar.png' } },
    ],
  },
];

const input = [
  { role: 'user', parts: [{ type: 'text', content: 'What is the weather in Paris?' }] },
  {
    role: 'assistant',
    parts: [
      { type: 'text', content: 'Let me look.' },
      { type: 'tool_call', id: 'toolu_1', name: 'weather', arguments: { city: 'Paris' } },
    ],
  },
  {
    role: 'user',
    parts: [
      { type: 'tool_call_response', id: 'toolu_1', response: '18 °C, light rain' },
      { type: 'blob', modality: 'image', mime_type: 'image/png', content: 'iVBORw0KGgo=' },
      { type: 'uri', modality: 'image', uri: 'https://example.com/radar.png' },
    ],
  },
];

function recorder() {
  const seen: Array<{ attempt: number; model: string; content: MessageContent }> = [];
  const recordContent = (ctx: AttemptContext, content: MessageContent) => void seen.push({ attempt: ctx.attempt, model: ctx.model, content });
  return { seen, recordContent };
}

describe('message content for an opt-in recorder', () => {
  it('hands over each attempt’s request and the response, in the GenAI conventions’ shapes', async () => {
    const { seen, recordContent } = recorder();
    const s = await setup([overloaded(), ok({ text: 'Light rain, 18 °C.' })], { recordContent });
    server = s.server;
    await drive(s.clock, s.client.messages.create({ model: opus, max_tokens: 64, system: 'Answer briefly.', messages: conversation }));
    const request = { input, system: [{ type: 'text', content: 'Answer briefly.' }] };
    expect(seen).toEqual([
      { attempt: 1, model: opus, content: request },
      { attempt: 2, model: opus, content: request },
      { attempt: 2, model: opus, content: { output: [{ role: 'assistant', parts: [{ type: 'text', content: 'Light rain, 18 °C.' }], finish_reason: 'end_turn' }] } },
    ]);
  });

  it('hands over a stream’s request without a system prompt', async () => {
    const { seen, recordContent } = recorder();
    const s = await setup([ok()], { recordContent });
    server = s.server;
    const { value: stream } = await drive(s.clock, s.client.messages.create({ model: sonnet, max_tokens: 64, messages: conversation.slice(0, 1), stream: true }));
    for await (const _event of stream!) void _event;
    expect(seen).toEqual([{ attempt: 1, model: sonnet, content: { input: input.slice(0, 1) } }]);
  });

  it('rejects a recorder that is not a function', () => {
    expect(() => resilient(new Anthropic({ apiKey: 'k' }), { recordContent: 'yes' as unknown as () => void })).toThrow(
      'resilient: recordContent must be a function (ctx, content) => void, got string',
    );
  });
});

/**
 * Message content in the shapes of the OpenTelemetry GenAI semantic conventions
 * (`gen_ai.input.messages`, `gen_ai.output.messages`, `gen_ai.system_instructions`), for an
 * opt-in content recorder. Only called when the user asked for content capture.
 */
import type { Message, MessageCreateParamsBase } from '@anthropic-ai/sdk/resources/messages/messages';

type Part = Record<string, unknown> & { type: string };

function part(block: unknown): Part {
  if (typeof block === 'string') return { type: 'text', content: block };
  const b = (block ?? {}) as Record<string, unknown>;
  switch (b.type) {
    case 'text':
      return { type: 'text', content: b.text };
    case 'tool_use':
    case 'server_tool_use':
      return { type: 'tool_call', id: b.id, name: b.name, arguments: b.input };
    case 'tool_result':
      return { type: 'tool_call_response', id: b.tool_use_id, response: b.content };
    case 'thinking':
      return { type: 'reasoning', content: b.thinking };
    case 'image':
    case 'document': {
      const source = (b.source ?? {}) as Record<string, unknown>;
      const modality = b.type === 'image' ? 'image' : 'document';
      if (source.type === 'base64') return { type: 'blob', modality, mime_type: source.media_type, content: source.data };
      if (source.type === 'url') return { type: 'uri', modality, uri: source.url };
      return { type: String(b.type) };
    }
    default:
      // Redacted thinking, citations, server results…: the kind only, not an unknown payload.
      return { type: typeof b.type === 'string' ? b.type : 'unknown' };
  }
}

const parts = (content: unknown): Part[] => (Array.isArray(content) ? content.map(part) : [part(content)]);

/** `gen_ai.input.messages` of a request. */
export function inputMessages(body: Pick<MessageCreateParamsBase, 'messages'>): unknown {
  return body.messages.map((m) => ({ role: m.role, parts: parts(m.content) }));
}

/** `gen_ai.system_instructions` of a request, or undefined without a system prompt. */
export function systemInstructions(body: Pick<MessageCreateParamsBase, 'system'>): unknown {
  return body.system === undefined ? undefined : parts(body.system);
}

/** `gen_ai.output.messages` of a response. */
export function outputMessages(message: Pick<Message, 'role' | 'content' | 'stop_reason'>): unknown {
  return [{ role: message.role, parts: parts(message.content), ...(message.stop_reason ? { finish_reason: message.stop_reason } : {}) }];
}

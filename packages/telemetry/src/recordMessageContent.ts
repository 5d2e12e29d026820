import { trace, type Attributes } from '@opentelemetry/api';
import { ATTR_GEN_AI_INPUT_MESSAGES, ATTR_GEN_AI_OUTPUT_MESSAGES, ATTR_GEN_AI_SYSTEM_INSTRUCTIONS } from '@stormwatch/conventions';
import type { AttemptContext } from '@stormwatch/core';
import { ATTEMPT_CONTEXT, CONTENT_CAPTURE, type ContentCapture } from './internal/keys.js';
import type { Context } from '@opentelemetry/api';

/** Message content of one attempt, in the GenAI semantic conventions' shapes (any JSON value). */
export interface MessageContent {
  /** `gen_ai.input.messages`. */
  input?: unknown;
  /** `gen_ai.output.messages`. */
  output?: unknown;
  /** `gen_ai.system_instructions`. */
  system?: unknown;
}

function capped(value: unknown, maxLength: number): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > maxLength ? text.slice(0, maxLength) : text;
}

/**
 * Records message content on the attempt's span, only when the instrumentation was told to
 * capture content (`captureMessageContent`, off by default). Values are serialized as JSON
 * and cut to `maxContentLength` characters.
 *
 * @returns whether anything was recorded.
 */
export function recordMessageContent(ctx: AttemptContext, content: MessageContent): boolean {
  const capture = ctx.call.context.get(CONTENT_CAPTURE) as ContentCapture | undefined;
  if (!capture) return false;
  const active = ctx.call.context.get(ATTEMPT_CONTEXT) as Context | undefined;
  const span = active && trace.getSpan(active);
  if (!span) return false;
  const attributes: Attributes = {};
  if (content.input !== undefined) attributes[ATTR_GEN_AI_INPUT_MESSAGES] = capped(content.input, capture.maxLength);
  if (content.output !== undefined) attributes[ATTR_GEN_AI_OUTPUT_MESSAGES] = capped(content.output, capture.maxLength);
  if (content.system !== undefined) attributes[ATTR_GEN_AI_SYSTEM_INSTRUCTIONS] = capped(content.system, capture.maxLength);
  span.setAttributes(attributes);
  return true;
}

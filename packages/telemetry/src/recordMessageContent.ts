import type { Attributes } from '@opentelemetry/api';
import { ATTR_GEN_AI_INPUT_MESSAGES, ATTR_GEN_AI_OUTPUT_MESSAGES, ATTR_GEN_AI_SYSTEM_INSTRUCTIONS, type MessageContent } from '@stormwatch/conventions';
import type { AttemptContext } from '@stormwatch/core';
import { runningAttempts } from './internal/tracedCalls.js';

const serialized = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));
const capped = (text: string, maxLength: number): string => (text.length > maxLength ? text.slice(0, maxLength) : text);

/**
 * Records message content on the attempt's span, only when the instrumentation was told to
 * capture content (`captureMessageContent`, off by default). Values are serialized as JSON
 * and cut to `maxContentLength` characters. A policy instrumented more than once gets the
 * content on the attempt span of every instrumentation that captures it, each cut to its
 * own `maxContentLength`.
 *
 * @returns whether anything was recorded.
 */
export function recordMessageContent(ctx: AttemptContext, content: MessageContent): boolean {
  let recorded = false;
  let texts: Array<[string, string]> | undefined;
  for (const { span, capture, lease } of runningAttempts(ctx.call)) {
    if (!capture || !lease.live) continue;
    texts ??= contentTexts(content);
    const attributes: Attributes = {};
    for (const [key, text] of texts) attributes[key] = capped(text, capture.maxLength);
    span.setAttributes(attributes);
    recorded = true;
  }
  return recorded;
}

/** The content as [attribute, serialized value] pairs, serialized once for every instrumentation. */
function contentTexts(content: MessageContent): Array<[string, string]> {
  const texts: Array<[string, string]> = [];
  if (content.input !== undefined) texts.push([ATTR_GEN_AI_INPUT_MESSAGES, serialized(content.input)]);
  if (content.output !== undefined) texts.push([ATTR_GEN_AI_OUTPUT_MESSAGES, serialized(content.output)]);
  if (content.system !== undefined) texts.push([ATTR_GEN_AI_SYSTEM_INSTRUCTIONS, serialized(content.system)]);
  return texts;
}

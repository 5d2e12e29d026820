// The handler module of `stormwatch-queue drain --handler examples/summaryHandler.ts`: runs one
// deferred summary through the application's own resilient client, whose admission control
// sends it at the rate the model accepts now (the drain adds no pace of its own), and saves
// the answer under the task id — idempotent, since a task may run twice (at least once).
// Reads ANTHROPIC_API_KEY (and ANTHROPIC_BASE_URL) as the SDK does, SUMMARIES_DIR for where
// the answers go (default ./summaries).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import type { MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages/messages';
import { resilient } from '@stormwatch/anthropic';
import type { ClaimedTask, DrainContext } from '@stormwatch/queue';

// The policy the calls were deferred under, without a deferrer: a drained task is not deferred again.
const client = resilient(new Anthropic(), { policy: 'batch' });
const summaries = process.env.SUMMARIES_DIR ?? 'summaries';
mkdirSync(summaries, { recursive: true });

export default async function handle(task: ClaimedTask, { id, signal, remainingMs }: DrainContext): Promise<void> {
  // `signal`: on SIGINT/SIGTERM the call is aborted and the task goes back to pending.
  // `remainingMs`: what is left of the deadline the call was deferred with.
  const message = await client.messages.create(task.payload as MessageCreateParamsNonStreaming, { signal, deadlineMs: remainingMs });
  writeFileSync(join(summaries, `${id}.json`), JSON.stringify(message.content));
}

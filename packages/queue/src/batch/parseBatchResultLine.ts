import type { BatchResultLine } from './BatchClient.js';
import { MalformedBatchResultError } from './MalformedBatchResultError.js';

const EXCERPT_CHARS = 200;

/** One line of a results file as a {@link BatchResultLine}, or the {@link MalformedBatchResultError} that says why not. Pure. */
export function parseBatchResultLine(batchId: string, lineNumber: number, text: string): BatchResultLine | MalformedBatchResultError {
  const bad = (problem: string) => new MalformedBatchResultError(batchId, lineNumber, problem, text.slice(0, EXCERPT_CHARS));
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return bad(`not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const line = value as { custom_id?: unknown; result?: { type?: unknown; message?: unknown; error?: { error?: { type?: unknown } } } } | null;
  if (typeof line !== 'object' || line === null || typeof line.custom_id !== 'string') return bad('no custom_id');
  const result = line.result;
  switch (result?.type) {
    case 'succeeded': {
      const usage = (result.message as { usage?: { input_tokens?: unknown; output_tokens?: unknown } } | undefined)?.usage;
      if (typeof usage?.input_tokens !== 'number' || typeof usage.output_tokens !== 'number') return bad('a succeeded result without a message and its usage');
      return line as unknown as BatchResultLine;
    }
    case 'errored':
      if (typeof result.error?.error?.type !== 'string') return bad('an errored result without an error type');
      return line as unknown as BatchResultLine;
    case 'canceled':
    case 'expired':
      return line as unknown as BatchResultLine;
    default:
      return bad(`unknown result type ${JSON.stringify(result?.type)}`);
  }
}

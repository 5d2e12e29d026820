/**
 * How a simulated call tells the service who it is and how big it is: the request's
 * `metadata.user_id` carries `sim:<callId>:<inputTokens>:<outputTokens>` (the Messages
 * API passes metadata through every wrapper untouched), while `model` and `stream` are
 * read from the body as the real API reads them.
 */

export interface SimTag {
  readonly callId: number;
  readonly model: string;
  readonly stream: boolean;
  readonly inputTokens: number;
  readonly outputTokens: number;
}

const TAG = /^sim:(\d+):(\d+):(\d+)$/;

/** The `metadata.user_id` of a simulated call. */
export function formatSimTag(callId: number, inputTokens: number, outputTokens: number): string {
  return `sim:${callId}:${inputTokens}:${outputTokens}`;
}

/** Reads the tag from a request body; undefined for anything that is not a simulated Messages call. */
export function parseSimTag(body: string): SimTag | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof json !== 'object' || json === null) return undefined;
  const { model, stream, metadata } = json as { model?: unknown; stream?: unknown; metadata?: { user_id?: unknown } };
  const match = typeof metadata?.user_id === 'string' ? TAG.exec(metadata.user_id) : null;
  if (typeof model !== 'string' || match === null) return undefined;
  return {
    callId: Number(match[1]),
    model,
    stream: stream === true,
    inputTokens: Number(match[2]),
    outputTokens: Number(match[3]),
  };
}

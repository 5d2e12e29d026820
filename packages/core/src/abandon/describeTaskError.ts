/** The longest error text a task keeps, in characters. */
export const MAX_TASK_ERROR_CHARS = 2000;

/**
 * An error as a durable queue records it (`lastError`): `name: message` (the SDK's message holds
 * the status and the API's error body), cut at {@link MAX_TASK_ERROR_CHARS}. Never the error's
 * request or headers. Pure.
 */
export function describeTaskError(error: unknown): string {
  let text: string;
  if (typeof error === 'string') text = error;
  else if (error instanceof Error || (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string')) {
    const e = error as { name?: unknown; message: string };
    text = `${typeof e.name === 'string' ? e.name : 'Error'}: ${e.message}`;
  } else text = String(error);
  return text.length > MAX_TASK_ERROR_CHARS ? `${text.slice(0, MAX_TASK_ERROR_CHARS - 1)}…` : text;
}

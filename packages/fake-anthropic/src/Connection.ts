/**
 * One request's way back to the client, whatever carries it: a socket of the local HTTP
 * server, or a `Response` made in-process by the fetch handler.
 */
export interface Connection {
  /** Sends the status and headers. */
  head(status: number, headers: Readonly<Record<string, string>>): void;
  /** Sends part of the body. */
  write(chunk: string): void;
  /** Sends the rest of the body and ends the response. */
  end(chunk?: string): void;
  /**
   * Breaks the connection: before `head`, the client sees a reset (ECONNRESET); after it, a
   * body cut short (undici's `TypeError: terminated`).
   */
  destroy(): void;
  /** True once the client went away (an abort) or the connection was destroyed. */
  readonly closed: boolean;
}

/**
 * The parent's handle on one worker process of the live fleet: forks it, says what it is
 * told to, hands the calls it reports to the parent, and turns its end into two promises —
 * {@link FleetProcess.ready} and {@link FleetProcess.finished} — that reject with a
 * {@link LiveFleetError} naming the process, how it ended and the last lines it wrote when
 * it fails or dies before it has finished.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { CallRecord } from '../fleet.js';
import type { ParentMessage, StoreUse, WorkerMessage } from './fleetProtocol.js';
import { LiveFleetError } from './LiveFleetError.js';
import type { WorkerEntry } from './workerEntry.js';

/** What the parent hears from its processes. */
export interface FleetProcessListener {
  onCallStart(): void;
  onCallEnd(record: CallRecord): void;
  /** A line the process wrote (stdout or stderr), without its newline. */
  onOutput(line: string): void;
}

/** Lines of a process's output kept for the message when it dies. */
const TAIL_LINES = 12;
/** How long a process asked to stop (SIGTERM) has before it is killed (SIGKILL), in ms. */
const KILL_AFTER_MS = 2000;

export class FleetProcess {
  readonly #child: ChildProcess;
  readonly #name: string;
  readonly #tail: string[] = [];
  #failure: string | undefined;
  #done: StoreUse | undefined | null = null;
  readonly #exited: Promise<void>;
  /** Resolves when the process has its store and waits for `start`. */
  readonly ready: Promise<void>;
  /** Resolves with its store's use once it has reported `done` and exited with 0. */
  readonly finished: Promise<StoreUse | undefined>;

  /**
   * @param index its number, 0-based, among `count`
   * @param clients the scenario's clients it runs (named in messages)
   */
  constructor(entry: WorkerEntry, index: number, count: number, clients: readonly number[], listener: FleetProcessListener) {
    // Its own process group (detached): a Ctrl-C at the terminal reaches the parent only, which
    // tells the workers to stop; a worker whose parent is gone exits (IPC `disconnect`).
    this.#child = fork(entry.modulePath, [], {
      execArgv: [...entry.execArgv],
      serialization: 'advanced',
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      detached: true,
    });
    this.#name = `process ${index + 1} of ${count} (pid ${this.#child.pid ?? '?'}, clients ${clients.join(', ')})`;
    for (const stream of [this.#child.stdout, this.#child.stderr]) {
      let partial = '';
      stream?.on('data', (chunk: Buffer) => {
        const lines = (partial + chunk.toString()).split('\n');
        partial = lines.pop()!;
        for (const line of lines) this.#output(line, listener);
      });
      stream?.on('end', () => partial !== '' && this.#output(partial, listener));
    }
    let readyNow: () => void = () => undefined;
    let readyFailed: (error: Error) => void = () => undefined;
    this.ready = new Promise((resolve, reject) => ((readyNow = resolve), (readyFailed = reject)));
    this.#child.on('message', (message: WorkerMessage) => {
      switch (message.type) {
        case 'ready':
          return readyNow();
        case 'callStart':
          return listener.onCallStart();
        case 'callEnd':
          return listener.onCallEnd(message.record);
        case 'done':
          this.#done = message.store;
          return;
        case 'failed':
          this.#failure = message.message;
          return;
      }
    });
    const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      // 'close', not 'exit': after the output and the IPC channel are drained, so the last messages are in.
      this.#child.once('close', (code, signal) => resolve({ code, signal }));
      this.#child.on('error', (error) => {
        if (this.#child.pid !== undefined) return; // a running process's IPC trouble: its exit follows
        // Not started at all, so no exit follows.
        this.#failure ??= `could not be started: ${error.message}`;
        resolve({ code: null, signal: null });
      });
    });
    this.#exited = ended.then(() => undefined);
    this.finished = ended.then(({ code, signal }) => {
      if (this.#done !== null && code === 0) return this.#done;
      const error = this.#error(code, signal);
      readyFailed(error);
      throw error;
    });
    // Awaited later (or never, when another process fails first): not an unhandled rejection meanwhile.
    this.ready.catch(() => undefined);
    this.finished.catch(() => undefined);
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  send(message: ParentMessage): void {
    if (this.#child.connected) this.#child.send(message, (error) => error && this.#output(`not sent (${message.type}): ${error.message}`));
  }

  /** Ends the process if it still runs: SIGTERM, SIGKILL after 2 s. Resolves once it has exited. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
      await this.#exited;
      clearTimeout(timer);
    }
  }

  /** Kills it at once (SIGKILL); safe to call as the parent exits. */
  kill(): void {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGKILL');
  }

  #output(line: string, listener?: FleetProcessListener): void {
    this.#tail.push(line);
    if (this.#tail.length > TAIL_LINES) this.#tail.shift();
    listener?.onOutput(line);
  }

  #error(code: number | null, signal: NodeJS.Signals | null): LiveFleetError {
    const how =
      this.#failure !== undefined
        ? `failed: ${this.#failure}`
        : signal !== null
          ? `was killed by ${signal} before it finished`
          : code === 0
            ? 'exited before it finished'
            : `exited with code ${code ?? '?'} before it finished`;
    const tail = this.#tail.length === 0 || this.#failure !== undefined ? '' : `; its last output:\n${this.#tail.map((l) => `  | ${l}`).join('\n')}`;
    return new LiveFleetError(`live fleet: ${this.#name} ${how}${tail}`);
  }
}

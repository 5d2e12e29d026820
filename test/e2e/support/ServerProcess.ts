import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';

/** How to start one server and how to tell that it is ready. */
export interface ServerSpec {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** Polled until it answers 200. */
  readonly readyUrl?: string;
  /** Polled until it resolves true, for a server without an HTTP endpoint (instead of `readyUrl`). */
  readonly isReady?: () => Promise<boolean>;
  /** Where stdout and stderr go (appended). */
  readonly logFile: string;
  /** How long to wait for readiness; default 90 s. */
  readonly readyTimeoutMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One running server process: started, waited for, stopped by its own pid. */
export class ServerProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<number | null> = Promise.resolve(null);

  constructor(readonly spec: ServerSpec) {}

  /** The process id while it runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the process and resolves once it is ready (`readyUrl` answers 200, or `isReady`); rejects with its log if it dies. */
  async start(): Promise<void> {
    if (this.running) throw new Error(`${this.spec.name} is already running`);
    const log = openSync(this.spec.logFile, 'a');
    const child = spawn(this.spec.command, [...this.spec.args], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...this.spec.env },
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    const deadline = Date.now() + (this.spec.readyTimeoutMs ?? 90_000);
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`${this.spec.name} exited during start-up:\n${this.logTail()}`);
      if (await this.ready()) return;
      await sleep(250);
    }
    await this.stop();
    throw new Error(`${this.spec.name} was not ready${this.spec.readyUrl ? ` at ${this.spec.readyUrl}` : ''} in time:\n${this.logTail()}`);
  }

  private async ready(): Promise<boolean> {
    if (this.spec.isReady) return this.spec.isReady();
    if (this.spec.readyUrl === undefined) throw new Error(`${this.spec.name}: a server needs readyUrl or isReady`);
    try {
      const response = await fetch(this.spec.readyUrl, { signal: AbortSignal.timeout(2_000) });
      await response.body?.cancel();
      return response.status === 200;
    } catch {
      return false; // not listening yet
    }
  }

  /** Stops the process (SIGTERM, then SIGKILL after 10 s) and waits for it to exit. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(killer);
  }

  /** The last lines of the server's log, for error messages. */
  logTail(lines = 40): string {
    try {
      return readFileSync(this.spec.logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }
}

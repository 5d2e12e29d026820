import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The built `stormwatch-queue` (dist/cli.js), as the package's bin runs it. */
export const bin = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
/** The drain handler modules the tests load (see each file's header). */
export const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

export interface CliExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Starts the built CLI in a child process, as a user's shell would; `exit` resolves with what it printed. */
export function startCli(args: readonly string[], options: { cwd?: string; env?: Record<string, string> } = {}): { child: ChildProcess; exit: Promise<CliExit>; stderr: () => string } {
  const child = spawn(process.execPath, [bin, ...args], { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<CliExit>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, exit, stderr: () => stderr };
}

/** Runs the built CLI to its end. */
export function runCli(args: readonly string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<CliExit> {
  return startCli(args, options).exit;
}

/** The lines the recording handler appended (`<task id> <prompt>`), in order. */
export function handledLines(log: string): string[] {
  return existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
}

/** Polls `condition` every few ms (real time: another process is doing the work); throws after `timeoutMs` saying `what`. */
export async function waitUntil(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const giveUpAt = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > giveUpAt) throw new Error(`gave up waiting ${timeoutMs} ms for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Each handled task id with how many times the handler ran it. */
export function timesHandled(lines: readonly string[]): Map<string, number> {
  const times = new Map<string, number>();
  for (const line of lines) {
    const id = line.split(' ')[0]!;
    times.set(id, (times.get(id) ?? 0) + 1);
  }
  return times;
}

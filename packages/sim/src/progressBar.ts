/**
 * The progress bar on stderr: redrawn in place on a terminal, one line per finished run
 * otherwise (CI logs). Throttled to real time so drawing never slows the simulation.
 */
export interface ProgressSink {
  write(text: string): void;
  readonly isTTY?: boolean;
}

export interface RunProgress {
  readonly run: number;
  readonly runs: number;
  readonly policyId: string;
  readonly fraction: number;
}

export class ProgressBar {
  readonly #out: ProgressSink;
  readonly #label: string;
  readonly #width: number;
  #lastDraw = -Infinity;
  #lastRun = -1;

  /** @param width bar width in characters. Defaults to 30. */
  constructor(out: ProgressSink, label: string, width = 30) {
    this.#out = out;
    this.#label = label;
    this.#width = width;
  }

  update(p: RunProgress): void {
    const total = (p.run + Math.min(1, Math.max(0, p.fraction))) / p.runs;
    if (this.#out.isTTY === true) {
      const now = performance.now();
      if (now - this.#lastDraw < 50 && p.fraction < 1) return;
      this.#lastDraw = now;
      this.#out.write(`\r${this.render(total, p)}\x1b[K`);
    } else if (p.fraction >= 1 && p.run !== this.#lastRun) {
      this.#lastRun = p.run;
      this.#out.write(`${this.render(total, p)}\n`);
    }
  }

  /** One line: label, bar, percentage, run counter and the policy running. */
  render(total: number, p: RunProgress): string {
    const filled = Math.round(total * this.#width);
    const bar = '█'.repeat(filled) + '░'.repeat(this.#width - filled);
    return `${this.#label} ${bar} ${String(Math.round(total * 100)).padStart(3)} % ${Math.min(p.run + 1, p.runs)}/${p.runs} ${p.policyId}`;
  }

  /** Ends the line on a terminal. */
  done(): void {
    if (this.#out.isTTY === true) this.#out.write('\n');
  }
}

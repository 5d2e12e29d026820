/**
 * A sum over a sliding time window, kept in fixed slices (a ring), so memory stays
 * constant however many events arrive.
 */
export class WindowedCounter {
  readonly #slices: Float64Array;
  readonly #sliceMs: number;
  #headSlice = 0;

  constructor(windowMs: number, slices = 10) {
    this.#slices = new Float64Array(slices);
    this.#sliceMs = windowMs / slices;
  }

  add(now: number, amount: number): void {
    this.#roll(now);
    this.#slices[this.#headSlice % this.#slices.length]! += amount;
  }

  sum(now: number): number {
    this.#roll(now);
    let total = 0;
    for (const v of this.#slices) total += v;
    return total;
  }

  #roll(now: number): void {
    const slice = Math.floor(now / this.#sliceMs);
    if (slice <= this.#headSlice) return;
    const n = this.#slices.length;
    for (let s = Math.max(this.#headSlice + 1, slice - n + 1); s <= slice; s++) this.#slices[s % n] = 0;
    this.#headSlice = slice;
  }
}

/**
 * Milliseconds until `count` more calls are admitted, starting at `ratePerSecond` and
 * doubling every `doublingMs` (the growth of a paced model without overload): the time at
 * which the integral of the growing rate reaches `count`. 0 for an unbounded rate or no calls.
 */
export function timeToAdmit(ratePerSecond: number, doublingMs: number, count: number): number {
  if (ratePerSecond === Number.POSITIVE_INFINITY || count <= 0) return 0;
  const d = doublingMs / 1000;
  return 1000 * (d / Math.LN2) * Math.log1p((count * Math.LN2) / (ratePerSecond * d));
}

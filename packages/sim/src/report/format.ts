/** Number formatting shared by the text table, the Markdown table and the HTML report. */

export function fmtInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function fmtRatio(n: number): string {
  return n.toFixed(2);
}

export function fmtPct(share: number): string {
  return `${(share * 100).toFixed(1)} %`;
}

export function fmtUsd(usd: number): string {
  return `$${usd.toFixed(usd < 10 ? 3 : 2)}`;
}

export function fmtSeconds(ms: number | undefined): string {
  return ms === undefined ? '—' : `${(ms / 1000).toFixed(1)} s`;
}

/** Token counts in thousands (k) or millions (M). */
export function fmtTokens(n: number): string {
  if (n >= 1_000_000) return `${(n / 1_000_000).toFixed(2)} M`;
  if (n >= 1_000) return `${(n / 1_000).toFixed(0)} k`;
  return String(n);
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/**
 * Escapes a value for a double-quoted PromQL or TraceQL string: backslash, double quote
 * and line breaks. Both languages read Go-style escapes inside `"..."`.
 */
export function escapeString(value: string): string {
  return value
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t');
}

/** Escapes RE2 metacharacters so that a literal value can be part of a regex matcher. */
export function escapeRegex(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The `--redis` value: a Redis URL the fleet shares its state through, or `auto` for a private redis-server. */

/**
 * Checks a Redis URL as `redisStore` will (`redis://` or `rediss://`, a host); returns an
 * explanation of what is wrong, or undefined when it is fine.
 */
export function redisUrlProblem(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not a URL';
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') return `uses ${url.protocol} instead of redis: or rediss:`;
  if (url.hostname === '') return 'names no host';
  return undefined;
}

/** The URL as it may be printed, as written but without its password (as `@stormwatch/redis` redacts it). */
export function redactRedisUrl(raw: string): string {
  return raw.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@/]*@/i, '$1***@');
}

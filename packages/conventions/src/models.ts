/**
 * The "model" dimension on metrics is `gen_ai.request.model` mapped through an
 * allow-list, so that a typo or a user-supplied model string cannot blow up the number
 * of time series. Allowed: the models the application configured, and ids that match a
 * known Claude model family; anything else becomes {@link OTHER_MODEL}.
 */

/** The value that stands for every model outside the allow-list. */
export const OTHER_MODEL = 'other';

/**
 * Known Claude model id shapes: `claude-{opus|sonnet|haiku}-N[-M][-YYYYMMDD]` (Claude 4
 * and later) and `claude-3[-5|-7]-{opus|sonnet|haiku}[-YYYYMMDD|-latest]`.
 */
export const KNOWN_MODEL_FAMILIES: readonly RegExp[] = Object.freeze([
  /^claude-(opus|sonnet|haiku)-\d{1,2}(-\d{1,2})?(-\d{8})?$/,
  /^claude-3(-[57])?-(opus|sonnet|haiku)(-\d{8}|-latest)?$/,
]);

/** Maps a requested model to the value used on metrics. */
export type ModelAllowList = (model: string | undefined) => string;

/**
 * Builds the model allow-list for metrics.
 * @param configured models the application names in its configuration (primary and
 * fallback chain); always kept as they are.
 */
export function createModelAllowList(configured: Iterable<string> = []): ModelAllowList {
  const allowed = new Set(configured);
  const seen = new Map<string, string>();
  return (model) => {
    if (model === undefined || model === '') return OTHER_MODEL;
    const cached = seen.get(model);
    if (cached !== undefined) return cached;
    const value =
      allowed.has(model) || KNOWN_MODEL_FAMILIES.some((re) => re.test(model)) ? model : OTHER_MODEL;
    // The cache is bounded by construction only for allowed ids; cap it for the rest.
    if (seen.size < 1024) seen.set(model, value);
    return value;
  };
}

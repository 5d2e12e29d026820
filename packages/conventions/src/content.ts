/**
 * Message content of one attempt, in the shapes of the GenAI semantic conventions (any JSON
 * value): what an adapter hands to a content recorder, which records each field as the
 * attribute it names. Content is recorded only when the application opts in.
 */
export interface MessageContent {
  /** `gen_ai.input.messages`. */
  input?: unknown;
  /** `gen_ai.output.messages`. */
  output?: unknown;
  /** `gen_ai.system_instructions`. */
  system?: unknown;
}

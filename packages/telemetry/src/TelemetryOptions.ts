import type { MeterProvider, TracerProvider } from '@opentelemetry/api';

/** Environment variable of the GenAI semantic conventions that allows content capture. */
export const CAPTURE_CONTENT_ENV = 'OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT';

/** How {@link instrumentPolicy} emits. Every field is optional. */
export interface TelemetryOptions {
  /** Where spans go. Defaults to the global tracer provider (`trace.getTracerProvider()`). */
  tracerProvider?: TracerProvider;
  /** Where metrics go. Defaults to the global meter provider (`metrics.getMeterProvider()`). */
  meterProvider?: MeterProvider;
  /**
   * Models the application configured (primary and fallback chain). They are kept as they
   * are on metrics; other ids outside the known Claude families become `other`.
   * Defaults to none (known families only).
   */
  models?: Iterable<string>;
  /**
   * Record message content (`gen_ai.input.messages`, `gen_ai.output.messages`,
   * `gen_ai.system_instructions`) handed to {@link recordMessageContent}. Off by default;
   * when not given, on only if {@link CAPTURE_CONTENT_ENV} is `true`.
   */
  captureMessageContent?: boolean;
  /** Longest captured content attribute, in characters; longer values are cut. Defaults to 16384. */
  maxContentLength?: number;
}

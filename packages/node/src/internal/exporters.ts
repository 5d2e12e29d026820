import { diag } from '@opentelemetry/api';
import { OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { PushMetricExporter } from '@opentelemetry/sdk-metrics';
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import type { OtlpProtocol } from '../StartOptions.js';
import { envString, type Env } from './env.js';

const PROTOCOLS: readonly OtlpProtocol[] = ['http/protobuf', 'http/json'];

export function isProtocol(value: unknown): value is OtlpProtocol {
  return PROTOCOLS.includes(value as OtlpProtocol);
}

/** The protocol for one signal: the option, else the signal's variable, else the general one, else protobuf. */
export function protocolFor(signal: 'TRACES' | 'METRICS', option: OtlpProtocol | undefined, env: Env): OtlpProtocol {
  if (option !== undefined) return option;
  const name = envString(env, `OTEL_EXPORTER_OTLP_${signal}_PROTOCOL`) !== undefined ? `OTEL_EXPORTER_OTLP_${signal}_PROTOCOL` : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const raw = envString(env, name);
  if (raw === undefined) return 'http/protobuf';
  if (isProtocol(raw)) return raw;
  if (raw.toLowerCase() === 'grpc') {
    // An error, not a warning: a collector's gRPC port (4317) does not answer OTLP/HTTP, so the export will likely fail.
    diag.error(`@stormwatch/node: ${name}="grpc" is not supported: @stormwatch/node exports OTLP over HTTP only (http/protobuf or http/json, port 4318), to keep gRPC out of the install; exporting with http/protobuf. Set ${name}=http/protobuf and an OTLP/HTTP endpoint, or register your own SDK with a gRPC exporter before @stormwatch/node.`);
  } else {
    diag.warn(`@stormwatch/node: ${name}="${raw}" is not supported (only OTLP over HTTP); using http/protobuf`);
  }
  return 'http/protobuf';
}

export interface ExporterSettings {
  readonly protocol: OtlpProtocol;
  /** Only when given explicitly; otherwise the exporter reads `OTEL_EXPORTER_OTLP_*_ENDPOINT`. */
  readonly url?: string;
  readonly timeoutMillis?: number;
}

function config(s: ExporterSettings): { url?: string; timeoutMillis?: number } {
  return { ...(s.url === undefined ? {} : { url: s.url }), ...(s.timeoutMillis === undefined ? {} : { timeoutMillis: s.timeoutMillis }) };
}

export function createSpanExporter(s: ExporterSettings): SpanExporter {
  return s.protocol === 'http/json' ? new JsonTraceExporter(config(s)) : new ProtoTraceExporter(config(s));
}

export function createMetricExporter(s: ExporterSettings): PushMetricExporter {
  return s.protocol === 'http/json' ? new JsonMetricExporter(config(s)) : new ProtoMetricExporter(config(s));
}

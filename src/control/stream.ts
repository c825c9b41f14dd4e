// The config stream's wire format: newline-delimited JSON over one long-lived HTTPS response, one message per line.
// NDJSON rather than SSE because both ends are ours and a JSON line needs no escaping rules of its own; a proxy
// reads it with nothing but a line splitter.
import type { ApplyResult } from '../ir/apply.ts';
import { IR_SCHEMA, type GatewayKey, type ProxyConfig } from '../ir/types.ts';

export const STREAM_PATH = '/v1/config';
export const REPORT_PATH = '/v1/report';
export const STREAM_CONTENT_TYPE = 'application/x-ndjson';
/** The controller writes at least one line this often, so a proxy can tell a quiet stream from a dead one. */
export const KEEPALIVE_MS = 15_000;
/** A proxy that heard nothing for this long drops the connection and dials again. */
export const STALE_MS = 3 * KEEPALIVE_MS;
/** A line longer than this is refused: a config with a few thousand routes and certificates stays well under it. */
export const MAX_LINE_BYTES = 64 * 1024 * 1024;

export type StreamMessage =
  /**
   * The Gateway's whole config; `config.version` is its content hash. Sent on connect and on every new version.
   * `schema`: the IR_SCHEMA it was written in; a proxy reading another one refuses it rather than apply a config it
   * may half understand (an ExternalAuth filter it does not know would let requests through unchecked).
   */
  | { type: 'config'; schema: number; config: ProxyConfig }
  | { type: 'keepalive' };

/** What a proxy POSTs to REPORT_PATH after applying a version (or failing to). */
export type ProxyReport = {
  gateway: GatewayKey;
  /** The pod name: reports of one proxy replace each other. */
  proxy: string;
  version: string;
  /** The data plane's answer; absent when apply threw, then `error` says why. */
  result?: ApplyResult;
  error?: string;
};

/** Config messages are stamped with this build's IR_SCHEMA. */
export function encodeMessage(m: { type: 'config'; config: ProxyConfig } | { type: 'keepalive' }): string {
  return JSON.stringify(m.type === 'config' ? { type: 'config', schema: IR_SCHEMA, config: m.config } : m) + '\n';
}

/** Splits a byte stream into messages. Chunks may cut a line (or a UTF-8 character) anywhere. */
export class LineDecoder {
  readonly #decoder = new TextDecoder();
  #buffer = '';

  /** Returns the complete messages in `chunk`; throws on a line that is not a message, naming what was wrong. */
  push(chunk: Uint8Array): StreamMessage[] {
    this.#buffer += this.#decoder.decode(chunk, { stream: true });
    const out: StreamMessage[] = [];
    let nl: number;
    while ((nl = this.#buffer.indexOf('\n')) >= 0) {
      const line = this.#buffer.slice(0, nl).trim();
      this.#buffer = this.#buffer.slice(nl + 1);
      if (line !== '') out.push(parseMessage(line));
    }
    if (this.#buffer.length > MAX_LINE_BYTES) throw new Error(`config stream: a line is longer than ${MAX_LINE_BYTES} bytes; the controller and proxy versions may not match`);
    return out;
  }
}

export function parseMessage(line: string): StreamMessage {
  let m: unknown;
  try {
    m = JSON.parse(line);
  } catch {
    throw new Error(`config stream: a line is not JSON (${line.slice(0, 80)}…); the controller and proxy versions may not match`);
  }
  const o = m as { type?: unknown; schema?: unknown; config?: { gateway?: unknown; version?: unknown } };
  if (o?.type === 'keepalive') return { type: 'keepalive' };
  if (o?.type === 'config' && typeof o.config?.gateway === 'string' && typeof o.config.version === 'string') {
    // A controller from before the schema stamp wrote schema 1.
    return { type: 'config', schema: typeof o.schema === 'number' ? o.schema : 1, config: o.config as unknown as ProxyConfig };
  }
  throw new Error(`config stream: unknown message ${JSON.stringify(o?.type ?? null)}; the controller and proxy versions may not match`);
}

/** Checks a report's shape; returns what is wrong, or null. */
export function reportProblem(r: unknown): string | null {
  const o = r as Partial<ProxyReport> | null;
  if (typeof o !== 'object' || o === null) return 'the body is not a JSON object';
  if (typeof o.gateway !== 'string' || typeof o.proxy !== 'string' || typeof o.version !== 'string') return 'gateway, proxy and version must be strings';
  if (o.result === undefined && typeof o.error !== 'string') return 'a report needs result or error';
  if (o.result !== undefined && (typeof o.result !== 'object' || !Array.isArray(o.result?.listeners))) return 'result.listeners must be a list';
  return null;
}

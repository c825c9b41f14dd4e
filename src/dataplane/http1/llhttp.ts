// Node's own HTTP/1 parser (llhttp, the one node:http runs), reached through the `_http_common` module. Using it
// rather than a parser of our own means the fast path accepts and rejects exactly what node:http does: the same
// strict mode (no lenient flags), the same header-size limit, the same Content-Length/Transfer-Encoding rules.
// The binding is internal to Node, so its shape is pinned here and checked once at load time.
import { createRequire } from 'node:module';

export type ParserCallbacks = {
  /** Headers arrive here, not in onHeadersComplete, when there are more than 32 pairs (and for trailers). */
  onHeaders(headers: string[], url: string): void;
  /**
   * Returns 0 to go on, 1 to skip the body (responses to HEAD), 2 to stop right after this head as for an upgrade:
   * execute() then returns the bytes consumed up to the end of the head.
   */
  onHeadersComplete(
    versionMajor: number, versionMinor: number, headers: string[] | undefined, method: number, url: string | undefined,
    statusCode: number, statusMessage: string, upgrade: boolean, shouldKeepAlive: boolean,
  ): number;
  onBody(chunk: Buffer): void;
  onMessageComplete(): void;
  /** A new message starts (also one that follows another in the same read). */
  onMessageBegin?(): void;
};

export type LlhttpParser = {
  initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void;
  /** Bytes parsed, or an Error with `code` (HPE_*) and `bytesParsed`. */
  execute(data: Buffer): number | ParseError;
  /** End of input (the peer closed): completes a body that runs to the end of the connection. */
  finish(): number | ParseError | undefined;
  close(): void;
  free(): void;
  remove(): void;
  [key: number]: unknown;
};

export type ParseError = Error & { code: string; bytesParsed: number; reason?: string };

type ParserClass = {
  new (): LlhttpParser;
  REQUEST: number;
  RESPONSE: number;
  kOnHeaders: number;
  kOnHeadersComplete: number;
  kOnBody: number;
  kOnMessageComplete: number;
  kOnMessageBegin: number;
};

type HttpCommon = {
  HTTPParser: ParserClass;
  methods: string[];
  _checkIsHttpToken(value: string): boolean;
  _checkInvalidHeaderChar(value: string): boolean;
};

const common = createRequire(import.meta.url)('_http_common') as HttpCommon;
const P = common.HTTPParser;
for (const k of ['kOnHeaders', 'kOnHeadersComplete', 'kOnBody', 'kOnMessageComplete', 'kOnMessageBegin'] as const) {
  if (typeof P?.[k] !== 'number') throw new Error(`this Node.js has no usable HTTP parser binding (${k}); run Portico on Node 24 (the version in package.json)`);
}

/** Method names by the index the parser reports. */
export const METHODS: readonly string[] = common.methods;
export const isToken = common._checkIsHttpToken;
export const hasInvalidHeaderChar = common._checkInvalidHeaderChar;

export function isParseError(r: unknown): r is ParseError {
  return r instanceof Error;
}

/**
 * Back to the start of a message. The fast path stops the parser at the end of every head (as for an upgrade), and
 * llhttp, resumed after such a stop, parses what follows without reporting errors: it must start afresh instead.
 */
export function restartParser(parser: LlhttpParser, kind: 'request' | 'response', maxHeaderSize: number): void {
  parser.initialize(kind === 'request' ? P.REQUEST : P.RESPONSE, RESOURCE, maxHeaderSize, 0);
}

/** The async resource a parser reports to async hooks; one is enough, nothing here tracks parsers by it. */
const RESOURCE = {};

/** A parser with no lenient flags (node:http's default) and the server's header-size limit. */
export function createParser(kind: 'request' | 'response', maxHeaderSize: number, cb: ParserCallbacks): LlhttpParser {
  const parser = new P();
  parser.initialize(kind === 'request' ? P.REQUEST : P.RESPONSE, {}, maxHeaderSize, 0);
  parser[P.kOnHeaders] = cb.onHeaders;
  parser[P.kOnHeadersComplete] = cb.onHeadersComplete;
  parser[P.kOnBody] = cb.onBody;
  parser[P.kOnMessageComplete] = cb.onMessageComplete;
  if (cb.onMessageBegin) parser[P.kOnMessageBegin] = cb.onMessageBegin;
  return parser;
}

// Response trailers from the upstream (gRPC's grpc-status and grpc-message) to the client.
import type { ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';

/**
 * Call before `body.pipe(res)`: this 'end' listener then runs before pipe's, which ends the response. undici has
 * filled `trailers` by the time the body ends. HTTP/2 clients get them as a trailing HEADERS frame; node:http sends
 * them to HTTP/1.1 clients only on a chunked response, and drops them otherwise.
 */
export function relayTrailers(body: Dispatcher.ResponseData['body'], trailers: Record<string, string | string[] | undefined>, res: ServerResponse): void {
  body.once('end', () => {
    const out: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(trailers)) if (value !== undefined && name.charCodeAt(0) !== 58 /* : */) out[name] = value;
    if (Object.keys(out).length === 0 || res.destroyed) return;
    try {
      res.addTrailers(out);
    } catch {
      // A trailer node:http refuses (invalid characters) is left out; the body already went through.
    }
  });
}

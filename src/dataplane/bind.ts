// Binding a listening socket, as every listener kind does it: the error code (EADDRINUSE, EADDRNOTAVAIL, …)
// is the answer, not an exception, so the caller can report the port as not programmed and carry on.
import type { Server } from 'node:net';

/** Listens on host:port; resolves to null once listening, or to the error code when the bind failed. */
export function listen(server: Server, host: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      resolve(err.code ?? err.message);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve(null);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ host, port, ipv6Only: false });
  });
}

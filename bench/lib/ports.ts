// Free loopback ports for the processes a benchmark starts (nginx and HAProxy cannot report a port 0 back).
import { createServer } from 'node:net';

const handedOut = new Set<number>();

export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    // The kernel may hand the same ephemeral port out twice before anyone binds it.
    if (!handedOut.has(port)) { handedOut.add(port); return port; }
  }
}

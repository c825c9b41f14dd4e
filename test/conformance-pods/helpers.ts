// Shared bits of the pod player's tests: a Pod on a loopback address with port-0 listeners, and a raw
// HTTP/1.1 client that shows exactly what went over the wire.
import net from 'node:net';
import type { Pod } from '../../conformance/pods/types.ts';

export function testPod(ip: string, env: Record<string, string> = {}, files: Record<string, string> = {}): Pod & { lines: string[] } {
  const lines: string[] = [];
  return {
    namespace: 'gateway-conformance-infra',
    name: 'infra-backend-v1-abc',
    ip,
    image: 'registry.k8s.io/gateway-api/echo-basic:v1.5.1',
    container: 'infra-backend-v1',
    env: { POD_NAME: 'infra-backend-v1-abc', NAMESPACE: 'gateway-conformance-infra', HTTP_PORT: '0', H2C_PORT: '0', HTTPS_PORT: '0', ...env },
    readFile: (path) => files[path],
    log: (line) => lines.push(line),
    lines,
  };
}

export type RawResponse = { status: number; head: string; headers: [string, string][]; body: string; error?: string };

/** Sends raw bytes on a fresh connection and reads until the server closes it (send `Connection: close`). */
export function rawRequest(host: string, port: number, request: string): Promise<RawResponse> {
  return new Promise((resolve) => {
    const sock = net.connect(port, host);
    const chunks: Buffer[] = [];
    let error: string | undefined;
    sock.on('data', (c) => chunks.push(c));
    sock.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    sock.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const end = text.indexOf('\r\n\r\n');
      const head = end < 0 ? text : text.slice(0, end);
      const [statusLine = '', ...lines] = head.split('\r\n');
      resolve({
        status: Number(statusLine.split(' ')[1] ?? 0),
        head,
        headers: lines.filter(Boolean).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()] as [string, string]),
        body: end < 0 ? '' : text.slice(end + 4),
        error,
      });
    });
    sock.write(request);
  });
}

export function get(path: string, headers: string[] = [], host = 'example.com'): string {
  return `GET ${path} HTTP/1.1\r\nHost: ${host}\r\n${headers.map((h) => `${h}\r\n`).join('')}Connection: close\r\n\r\n`;
}

export function header(r: RawResponse, name: string): string[] {
  return r.headers.filter(([k]) => k.toLowerCase() === name.toLowerCase()).map(([, v]) => v);
}

// A fake pod (env, volume files from a Map, a log array), free ports on 127.x addresses, and throwaway
// certificates made by openssl, for the protocol servers' tests.
import { execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Pod } from '../../conformance/pods/types.ts';

export type FakePod = Pod & { files: Map<string, string>; logs: string[] };

export function fakePod(ip: string, env: Record<string, string>, files: Record<string, string> = {}): FakePod {
  const fileMap = new Map(Object.entries(files));
  const logs: string[] = [];
  return {
    namespace: 'gateway-conformance-infra',
    name: 'backend-0',
    ip,
    image: 'registry.k8s.io/gateway-api/echo-basic:v1.5.1',
    container: 'backend',
    env,
    files: fileMap,
    logs,
    readFile: (p) => fileMap.get(p),
    log: (line) => logs.push(line),
  };
}

/** A port nothing listens on at `ip` right now (each test file uses its own 127.x addresses, so it stays free). */
export async function freePort(ip: string, kind: 'tcp' | 'udp'): Promise<number> {
  if (kind === 'tcp') {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, ip, resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
  }
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, ip, resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(resolve));
  return port;
}

export type KeyPair = { cert: string; key: string };

/** A self-signed P-256 certificate for `hostname` (openssl; ECDSA keeps it fast). */
export function selfSigned(hostname: string): KeyPair {
  const dir = mkdtempSync(path.join(tmpdir(), 'portico-pod-cert-'));
  try {
    const keyFile = path.join(dir, 'key.pem');
    const certFile = path.join(dir, 'crt.pem');
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
        '-subj', `/CN=${hostname}`, '-addext', `subjectAltName=DNS:${hostname}`, '-keyout', keyFile, '-out', certFile],
      { stdio: 'ignore' },
    );
    return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Reads a socket line by line: `next()` resolves with the next line (without its newline). */
export function lineReader(socket: net.Socket): { next(): Promise<string> } {
  let buffered = '';
  const waiting: Array<(line: string) => void> = [];
  const lines: string[] = [];
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) !== -1) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      const w = waiting.shift();
      if (w) w(line);
      else lines.push(line);
    }
  });
  return {
    next: () => {
      const line = lines.shift();
      return line !== undefined ? Promise.resolve(line) : new Promise((resolve) => waiting.push(resolve));
    },
  };
}

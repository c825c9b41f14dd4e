// Starts the servers the data-plane benchmark compares, each with one worker pinned to the proxy core:
// the upstream (nginx returning 200), nginx and HAProxy as reverse proxies, Portico, and the two Node floors.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gatewayYaml, routePath, routesYaml, serviceYaml } from '../lib/manifests.ts';
import { freePort } from '../lib/ports.ts';
import { porticoRoot } from '../lib/portico.ts';
import { start, waitForPort, type Proc } from '../lib/proc.ts';
import { haproxyConf, nginxProxyConf, nginxUpstreamConf } from './configs.ts';

export type Cores = { proxy?: string; load?: string };

export type Target = {
  /** e.g. "portico", "nginx". */
  kind: string;
  routes: number;
  port: number;
  /** What wrk requests: the last route of the table, so a linear router would pay for every route. */
  path: string;
  proc: Proc;
  /** The command line, for the report. */
  command: string;
  /** Worker processes (nginx worker_processes, portico --workers); 1 unless a whole-machine run asks for more. */
  workers: number;
};

const ROOT = new URL('../../', import.meta.url).pathname;

export async function startUpstream(dir: string, cores: Cores): Promise<{ port: number; proc: Proc }> {
  const port = await freePort();
  const d = join(dir, 'upstream');
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, 'nginx.conf'), nginxUpstreamConf(d, port));
  const proc = start('upstream nginx', 'nginx', ['-p', d, '-c', join(d, 'nginx.conf'), '-e', 'stderr'], { cpus: cores.load });
  await waitForPort(proc, port);
  return { port, proc };
}

export function directTarget(upstream: { port: number; proc: Proc }): Target {
  return { kind: 'upstream (direct)', routes: 1, port: upstream.port, path: '/svc/0/x', proc: upstream.proc, command: 'nginx: return 200 "ok\\n"', workers: 1 };
}

export async function startNginx(dir: string, upstreamPort: number, routes: number, cores: Cores, workers = 1): Promise<Target> {
  const port = await freePort();
  const d = join(dir, `nginx-${routes}-w${workers}`);
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, 'nginx.conf'), nginxProxyConf(d, port, upstreamPort, routes, workers));
  const args = ['-p', d, '-c', join(d, 'nginx.conf'), '-e', 'stderr'];
  const proc = start(`nginx (${routes} routes)`, 'nginx', args, { cpus: cores.proxy });
  await waitForPort(proc, port);
  return { kind: 'nginx', routes, port, path: `${routePath(routes - 1)}/x`, proc, command: `nginx ${args.join(' ')}`, workers };
}

export async function startHaproxy(dir: string, upstreamPort: number, cores: Cores): Promise<Target> {
  const port = await freePort();
  const file = join(dir, 'haproxy.cfg');
  writeFileSync(file, haproxyConf(port, upstreamPort));
  const proc = start('haproxy', 'haproxy', ['-db', '-f', file], { cpus: cores.proxy });
  await waitForPort(proc, port);
  return { kind: 'haproxy', routes: 1, port, path: '/svc/0/x', proc, command: `haproxy -db -f ${file}`, workers: 1 };
}

export async function startFloor(kind: 'undici' | 'http', upstreamPort: number, cores: Cores): Promise<Target> {
  const port = await freePort();
  const args = ['bench/dataplane/floor-proxy.ts', kind, String(port), String(upstreamPort)];
  const proc = start(`node ${kind} proxy`, process.execPath, args, { cpus: cores.proxy, cwd: ROOT });
  await waitForPort(proc, port);
  const label = kind === 'undici' ? 'node + undici Pool.stream' : 'node:http + keep-alive Agent';
  return { kind: label, routes: 1, port, path: '/svc/0/x', proc, command: `node ${args.join(' ')}`, workers: 1 };
}

export async function startPortico(dir: string, upstreamPort: number, routes: number, cores: Cores, workers = 1): Promise<Target> {
  const port = await freePort();
  const d = join(dir, `portico-${routes}-w${workers}`);
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, 'gateway.yaml'), gatewayYaml(port) + serviceYaml('upstream', upstreamPort));
  writeFileSync(join(d, 'routes.yaml'), routesYaml(routes, ['upstream']));
  const args = ['bin/portico.js', 'run', '-f', d, '--access-log', 'off', '--admin', '127.0.0.1:0', '--log-level', 'warn'];
  if (workers > 1) args.push('--workers', String(workers));
  const proc = start(`portico (${routes} routes)`, process.execPath, args, { cpus: cores.proxy, cwd: porticoRoot() });
  // The listener binds when the first configuration is applied, so a connection means the routes are live.
  await waitForPort(proc, port, 120_000);
  return { kind: 'portico', routes, port, path: `${routePath(routes - 1)}/x`, proc, command: `node ${args.join(' ')}`, workers };
}

// `portico proxy` command line. In a pod every value comes from the Deployment Portico provisions; the environment
// variables let the Deployment set the Gateway and pod name without repeating them in args.
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { parseHostPort, UsageError } from './args.ts';

export type ProxyArgs = {
  controller: URL;
  gateway: string;
  /** This proxy's name in reports: the pod name. */
  name: string;
  tokenFile: string;
  caFile: string;
  admin: { host: string; port: number };
  /** Bind every listener on this address instead of all interfaces (a pod binds all; tests pick an address). */
  listenAddress: string | null;
  /** After SIGTERM, keep serving (not ready) this long so endpoints are removed before listeners close. */
  drainDelayMs: number;
  logLevel: string;
};

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
export const TOKEN_FILE = '/var/run/secrets/portico/token';
export const CA_FILE = '/var/run/secrets/portico/ca.crt';

export const PROXY_HELP = `Usage: portico proxy --controller URL --gateway NAMESPACE/NAME [options]

Runs one Gateway's data plane, fed by the controller's config stream (portico controller --infrastructure
kubernetes provisions a Deployment that runs this). Keeps serving its last configuration while the controller is
away, and dials again with a capped backoff.

Options:
      --controller URL          the controller's config server, https://HOST:PORT or HOST:PORT ($PORTICO_CONTROLLER)
      --gateway NS/NAME         the Gateway this proxy serves ($PORTICO_GATEWAY)
      --name NAME               this proxy's name in its reports (default $POD_NAME, else the host name)
      --token-file PATH         ServiceAccount token with audience portico-proxy, read again on every connect
                                (default ${TOKEN_FILE})
      --ca-file PATH            CA that signed the controller's certificate (default ${CA_FILE})
      --admin HOST:PORT         admin API: /healthz, /readyz (ready once the first config is live), /metrics,
                                /config (default 127.0.0.1:9901)
      --listen-address ADDR     bind listeners on ADDR only (default: all interfaces)
      --drain-delay SECONDS     after SIGTERM, stay up (not ready) this long before draining (default 0)
      --log-level LEVEL         fatal, error, warn, info (default), debug, trace or silent
  -h, --help                    show this help`;

export function parseProxyArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): ProxyArgs | 'help' {
  let v: Record<string, string | boolean | undefined>;
  try {
    v = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        controller: { type: 'string' },
        gateway: { type: 'string' },
        name: { type: 'string' },
        'token-file': { type: 'string', default: TOKEN_FILE },
        'ca-file': { type: 'string', default: CA_FILE },
        admin: { type: 'string', default: '127.0.0.1:9901' },
        'listen-address': { type: 'string' },
        'drain-delay': { type: 'string', default: '0' },
        'log-level': { type: 'string', default: 'info' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (err) {
    const msg = (err as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    throw new UsageError(`portico proxy: ${msg}; see \`portico proxy --help\``);
  }
  if (v.help) return 'help';
  const controllerText = (v.controller as string | undefined) ?? env.PORTICO_CONTROLLER;
  if (!controllerText) throw new UsageError('portico proxy: --controller is missing; give the config server as https://HOST:PORT (or set PORTICO_CONTROLLER)');
  const gateway = (v.gateway as string | undefined) ?? env.PORTICO_GATEWAY;
  if (!gateway) throw new UsageError('portico proxy: --gateway is missing; give the Gateway as NAMESPACE/NAME (or set PORTICO_GATEWAY)');
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(gateway)) {
    throw new UsageError(`portico proxy: --gateway ${JSON.stringify(gateway)} is not NAMESPACE/NAME; use e.g. --gateway default/my-gateway`);
  }
  const listen = v['listen-address'] as string | undefined;
  if (listen !== undefined && isIP(listen) === 0) throw new UsageError(`portico proxy: --listen-address ${JSON.stringify(listen)} is not an IP address`);
  const delay = Number(v['drain-delay']);
  if (!Number.isFinite(delay) || delay < 0) throw new UsageError(`portico proxy: --drain-delay ${JSON.stringify(v['drain-delay'])} is not a number of seconds`);
  const level = v['log-level'] as string;
  if (!LOG_LEVELS.includes(level)) throw new UsageError(`portico proxy: --log-level ${level} is not one of ${LOG_LEVELS.join(', ')}`);
  let admin: { host: string; port: number };
  try {
    admin = parseHostPort(v.admin as string);
  } catch {
    throw new UsageError(`portico proxy: --admin ${JSON.stringify(v.admin)} is not HOST:PORT; use e.g. --admin 0.0.0.0:9901`);
  }
  return {
    controller: controllerUrl(controllerText),
    gateway,
    name: (v.name as string | undefined) ?? env.POD_NAME ?? hostname(),
    tokenFile: v['token-file'] as string,
    caFile: v['ca-file'] as string,
    admin,
    listenAddress: listen ?? null,
    drainDelayMs: delay * 1000,
    logLevel: level,
  };
}

function controllerUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(/^[a-z]+:\/\//i.test(text) ? text : `https://${text}`);
  } catch {
    throw new UsageError(`portico proxy: --controller ${JSON.stringify(text)} is not a URL; use e.g. https://portico.portico-system.svc:9902`);
  }
  if (url.protocol !== 'https:') {
    throw new UsageError(`portico proxy: --controller ${text} is not https; the stream carries TLS private keys, so it is always TLS`);
  }
  return url;
}

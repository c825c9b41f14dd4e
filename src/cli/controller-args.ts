// `portico controller` command line, strict like the other commands: a mistyped flag stops with a hint.
import { parseArgs } from 'node:util';
import { parseHostPort, UsageError } from './args.ts';

export type ControllerArgs = {
  /** null: $KUBECONFIG, ~/.kube/config, or the in-cluster service account, in that order. */
  kubeconfig: string | null;
  admin: { host: string; port: number };
  infrastructure: 'host' | 'kubernetes';
  addressPool: string | null;
  logLevel: string;
  /** Only the holder of the Lease writes status; every replica serves. */
  leaderElect: boolean;
  /** null: the pod's namespace, else the kubeconfig context's, else `default` (see `defaultLeaseNamespace`). */
  leaseNamespace: string | null;
  leaseName: string;
  /** Only Gateways of these GatewayClasses (themselves Portico's); empty: every class with Portico's controllerName. */
  gatewayClasses: string[];
  /** With --infrastructure kubernetes: the proxy pods' image and the address they dial for their config. */
  proxyImage: string;
  proxyControllerAddress: string;
  /** With --infrastructure kubernetes: where the config server for the proxies listens. */
  proxyConfigListen: { host: string; port: number };
  /** With --infrastructure host: a selectorless Service + EndpointSlice per served Gateway (see infra/host-service.ts). */
  hostService: boolean;
};

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export const CONTROLLER_HELP = `Usage: portico controller [options]

Runs Portico as a Kubernetes controller: watches GatewayClasses (controllerName portico.dev/gateway-controller),
Gateways, HTTPRoutes, ReferenceGrants and the Services, EndpointSlices, Secrets, ConfigMaps and Namespaces they
use, serves the Gateways and writes their status to the API server.

Options:
      --kubeconfig PATH            kubeconfig to use (default: $KUBECONFIG, ~/.kube/config, or in-cluster)
      --admin HOST:PORT            admin API address (default 127.0.0.1:9901)
      --infrastructure host|kubernetes
                                   host (default): serve every Gateway in this process, on this machine's
                                   addresses; kubernetes: a proxy Deployment, Service and ServiceAccount per
                                   Gateway in its namespace, owned by it (the leader creates them)
      --gateway-address-pool CIDR  give each Gateway without spec.addresses the next address of CIDR
                                   (e.g. 10.250.0.0/24); without it such Gateways listen on all interfaces
      --host-service[=true|false]  (default true) with --infrastructure host: give each served Gateway with an
                                   address a Service <gateway>-portico without selector and an EndpointSlice
                                   to that address, labelled from spec.infrastructure, so the cluster can reach
                                   it by name
      --leader-elect[=true|false]  (default true) only the replica holding the Lease writes status; every
                                   replica serves. --no-leader-elect or --leader-elect=false: always write
      --lease-namespace NS         namespace of the Lease (default: the pod's own namespace in a cluster, else
                                   the kubeconfig context's namespace, else default)
      --lease-name NAME            name of the Lease (default portico-controller); replicas sharing it elect one
      --gateway-class NAME         handle only this GatewayClass (repeatable); default: every GatewayClass whose
                                   controllerName is Portico's. Lets several controllers share a cluster
      --proxy-image IMAGE          with --infrastructure kubernetes: the proxy pods' image, whose entrypoint is
                                   portico (default portico:latest)
      --proxy-controller-address HOST:PORT
                                   with --infrastructure kubernetes: where proxy pods reach this controller for
                                   their configuration (default portico.portico-system.svc:9902); the config
                                   server's certificate covers this host
      --proxy-config-listen HOST:PORT
                                   with --infrastructure kubernetes: where the config server for the proxies
                                   listens, HTTPS (default 0.0.0.0:9902)
      --log-level LEVEL            fatal, error, warn, info (default), debug, trace or silent
  -h, --help                       show this help

Stops on SIGTERM or SIGINT: requests in flight finish, then it exits 0.`;

export function parseControllerArgs(argv: string[]): ControllerArgs | 'help' {
  let v: Record<string, unknown>;
  const args = booleanFlags(argv, ['leader-elect', 'host-service']);
  try {
    v = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      allowNegative: true,
      options: {
        kubeconfig: { type: 'string' },
        admin: { type: 'string', default: '127.0.0.1:9901' },
        infrastructure: { type: 'string', default: 'host' },
        'gateway-address-pool': { type: 'string' },
        'log-level': { type: 'string', default: 'info' },
        'leader-elect': { type: 'boolean', default: true },
        'host-service': { type: 'boolean', default: true },
        'lease-namespace': { type: 'string' },
        'lease-name': { type: 'string', default: 'portico-controller' },
        'gateway-class': { type: 'string', multiple: true, default: [] },
        'proxy-image': { type: 'string', default: 'portico:latest' },
        'proxy-controller-address': { type: 'string', default: 'portico.portico-system.svc:9902' },
        'proxy-config-listen': { type: 'string', default: '0.0.0.0:9902' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (err) {
    const msg = (err as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    throw new UsageError(`portico controller: ${msg}; see \`portico controller --help\``);
  }
  if (v.help) return 'help';
  const infrastructure = v.infrastructure as string;
  if (infrastructure !== 'host' && infrastructure !== 'kubernetes') {
    throw new UsageError(`portico controller: --infrastructure ${infrastructure} is not known; use --infrastructure host or --infrastructure kubernetes`);
  }
  const level = v['log-level'] as string;
  if (!LOG_LEVELS.includes(level)) throw new UsageError(`portico controller: --log-level ${level} is not one of ${LOG_LEVELS.join(', ')}`);
  return {
    kubeconfig: (v.kubeconfig as string | undefined) ?? null,
    admin: parseHostPort(v.admin as string),
    infrastructure,
    addressPool: (v['gateway-address-pool'] as string | undefined) ?? null,
    logLevel: level,
    leaderElect: v['leader-elect'] as boolean,
    leaseNamespace: kubeName('--lease-namespace', v['lease-namespace'] as string | undefined) ?? null,
    leaseName: kubeName('--lease-name', v['lease-name'] as string)!,
    gatewayClasses: (v['gateway-class'] as string[]).map((c) => kubeName('--gateway-class', c)!),
    proxyImage: nonEmpty('--proxy-image', v['proxy-image'] as string),
    proxyControllerAddress: controllerAddress(v['proxy-controller-address'] as string),
    proxyConfigListen: listenAddress(v['proxy-config-listen'] as string),
    hostService: v['host-service'] as boolean,
  };
}

/** `--leader-elect=false`, as kube-controller-manager spells it, becomes the `--no-leader-elect` parseArgs knows. */
function booleanFlags(argv: string[], names: readonly string[]): string[] {
  return argv.map((a) => {
    const m = /^--([a-z-]+)=(.*)$/.exec(a);
    if (!m || !names.includes(m[1])) return a;
    if (m[2] === 'true') return `--${m[1]}`;
    if (m[2] === 'false') return `--no-${m[1]}`;
    throw new UsageError(`portico controller: --${m[1]}=${m[2]} is not true or false; use --${m[1]}=false to turn it off`);
  });
}

function nonEmpty(flag: string, value: string): string {
  if (value.trim() === '') throw new UsageError(`portico controller: ${flag} is empty; give a value or leave the flag out for the default`);
  return value.trim();
}

/** HOST:PORT where HOST may be a DNS name (a Service's), unlike --admin which binds and so takes an address. */
function controllerAddress(value: string): string {
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(value.trim());
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) {
    throw new UsageError(`portico controller: --proxy-controller-address ${JSON.stringify(value)} is not HOST:PORT; use e.g. portico.portico-system.svc:9902`);
  }
  return value.trim();
}

function listenAddress(value: string): { host: string; port: number } {
  try {
    return parseHostPort(value);
  } catch {
    throw new UsageError(`portico controller: --proxy-config-listen ${JSON.stringify(value)} is not HOST:PORT; use e.g. 0.0.0.0:9902`);
  }
}

/** Lease names may be DNS subdomains, namespaces DNS labels; both refuse what the API server would refuse. */
function kubeName(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const ok = flag === '--lease-namespace' ? /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/ : /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
  if (!ok.test(value)) throw new UsageError(`portico controller: ${flag} ${JSON.stringify(value)} is not a valid Kubernetes name; use lower-case letters, digits and '-'${flag !== '--lease-namespace' ? " (and '.')" : ''}`);
  return value;
}

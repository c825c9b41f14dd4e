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
                                   addresses; kubernetes: a proxy Deployment per Gateway (not implemented yet)
      --gateway-address-pool CIDR  give each Gateway without spec.addresses the next address of CIDR
                                   (e.g. 10.250.0.0/24); without it such Gateways listen on all interfaces
      --log-level LEVEL            fatal, error, warn, info (default), debug, trace or silent
  -h, --help                       show this help

Stops on SIGTERM or SIGINT: requests in flight finish, then it exits 0.`;

export function parseControllerArgs(argv: string[]): ControllerArgs | 'help' {
  let v: Record<string, unknown>;
  try {
    v = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        kubeconfig: { type: 'string' },
        admin: { type: 'string', default: '127.0.0.1:9901' },
        infrastructure: { type: 'string', default: 'host' },
        'gateway-address-pool': { type: 'string' },
        'log-level': { type: 'string', default: 'info' },
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
  };
}

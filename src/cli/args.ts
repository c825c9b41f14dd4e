// Command-line parsing with node:util parseArgs: strict, so a mistyped flag stops with a hint instead of being ignored.
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A command line that cannot be run as typed: exit 2 with a message saying what to type. */
export class UsageError extends Error {}

export type RunArgs = {
  files: string[];
  admin: { host: string; port: number };
  addressPool: string | null;
  accessLog: 'off' | 'stdout' | { path: string };
  demoBackends: boolean;
  logLevel: string;
  /** Data-plane processes: 1 serves in this process; more fork node:cluster workers sharing the listeners. */
  workers: number | 'auto';
};

export type ValidateArgs = { files: string[]; output: 'text' | 'json' | 'yaml' };

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export const RUN_HELP = `Usage: portico run -f PATH... [options]

Serves the Gateways in the given manifests and applies every change to them without a restart.

Options:
  -f, --file PATH                 a YAML/JSON manifest file, or a directory read recursively (repeatable)
      --admin HOST:PORT           admin API address (default 127.0.0.1:9901)
      --gateway-address-pool CIDR give each Gateway without spec.addresses the next address of CIDR
                                  (e.g. 127.0.1.0/24); without it such Gateways listen on all interfaces
      --access-log off|stdout|PATH  one JSON line per request (default stdout)
      --demo-backends             start echo servers for Services annotated portico.dev/demo-backend: "true"
      --workers N|auto            data-plane processes sharing the listeners (default 1: in this process;
                                  auto: one per core); GET /workers on the admin API shows each one's version
      --log-level LEVEL           fatal, error, warn, info (default), debug, trace or silent
  -h, --help                      show this help

Stops on SIGTERM or SIGINT: requests in flight finish, then it exits 0.`;

export const VALIDATE_HELP = `Usage: portico validate -f PATH... [-o text|json|yaml]

Prints the status every object would get, binding nothing.

Options:
  -f, --file PATH        a YAML/JSON manifest file, or a directory read recursively (repeatable)
  -o, --output FORMAT    text (default), json or yaml ({"items": [...]} as GET /status serves it)
  -h, --help             show this help

Exit status: 0 when every object is accepted with all references resolved, 1 otherwise,
2 when a file cannot be read or parsed.`;

export const MAIN_HELP = `Usage: portico <command> [options]

Commands:
  run        serve Gateways from manifest files, watching them for changes
  validate   print the status every object would get, binding nothing
  controller watch a Kubernetes API server, serve its Gateways and write their status
  proxy      run one Gateway's data plane, configured by the controller (the pods of --infrastructure kubernetes)

Options:
  -h, --help     show this help (portico <command> --help for a command's options)
  -v, --version  print the version

Example:
  portico run -f examples/quickstart --demo-backends`;

function parse(command: string, argv: string[], options: ParseArgsConfig['options']): { values: Record<string, unknown> } {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }) as { values: Record<string, unknown> };
  } catch (err) {
    const msg = (err as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    throw new UsageError(`portico ${command}: ${msg}; see \`portico ${command} --help\``);
  }
}

export function parseRunArgs(argv: string[]): RunArgs | 'help' {
  const { values: v } = parse('run', argv, {
    file: { type: 'string', short: 'f', multiple: true },
    admin: { type: 'string', default: '127.0.0.1:9901' },
    'gateway-address-pool': { type: 'string' },
    'access-log': { type: 'string', default: 'stdout' },
    'demo-backends': { type: 'boolean', default: false },
    'log-level': { type: 'string', default: 'info' },
    workers: { type: 'string', default: '1' },
    help: { type: 'boolean', short: 'h' },
  });
  if (v.help) return 'help';
  const files = requireFiles('run', v.file as string[] | undefined);
  const workersText = v.workers as string;
  const workers = workersText === 'auto' ? 'auto' : /^[1-9]\d{0,2}$/.test(workersText) ? Number(workersText) : null;
  if (workers === null) throw new UsageError(`portico run: --workers ${workersText} is not a number of processes; use e.g. --workers 2, or --workers auto for one per core`);
  const level = v['log-level'] as string;
  if (!LOG_LEVELS.includes(level)) throw new UsageError(`portico run: --log-level ${level} is not one of ${LOG_LEVELS.join(', ')}`);
  const accessLog = v['access-log'] as string;
  return {
    files,
    admin: parseHostPort(v.admin as string),
    addressPool: (v['gateway-address-pool'] as string | undefined) ?? null,
    accessLog: accessLog === 'off' || accessLog === 'stdout' ? accessLog : { path: accessLog },
    demoBackends: v['demo-backends'] as boolean,
    logLevel: level,
    workers,
  };
}

export function parseValidateArgs(argv: string[]): ValidateArgs | 'help' {
  const { values: v } = parse('validate', argv, {
    file: { type: 'string', short: 'f', multiple: true },
    output: { type: 'string', short: 'o', default: 'text' },
    help: { type: 'boolean', short: 'h' },
  });
  if (v.help) return 'help';
  const output = v.output as string;
  if (output !== 'text' && output !== 'json' && output !== 'yaml') {
    throw new UsageError(`portico validate: -o ${output} is not a format; use -o text, -o json or -o yaml`);
  }
  return { files: requireFiles('validate', v.file as string[] | undefined), output };
}

function requireFiles(command: string, files: string[] | undefined): string[] {
  if (!files || files.length === 0) {
    throw new UsageError(`portico ${command}: no manifests given; add -f PATH (a file or a directory), e.g. \`portico ${command} -f examples/quickstart\``);
  }
  return files;
}

/** `HOST:PORT`, `[IPv6]:PORT`, or `:PORT` (loopback). */
export function parseHostPort(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(text);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new UsageError(`--admin ${JSON.stringify(text)} is not HOST:PORT; use e.g. --admin 127.0.0.1:9901`);
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}

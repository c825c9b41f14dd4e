// The `portico` command: dispatches to run, validate, controller and proxy. Exit codes: 0 ok, 1 problems found, 2 usage or input errors.
import { readFileSync } from 'node:fs';
import { MAIN_HELP, parseRunArgs, parseValidateArgs, RUN_HELP, UsageError, VALIDATE_HELP } from './args.ts';

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        process.stdout.write(MAIN_HELP + '\n');
        return command === undefined ? 2 : 0;
      case '-v':
      case '--version':
      case 'version':
        process.stdout.write(`portico ${version()}\n`);
        return 0;
      case 'run': {
        const args = parseRunArgs(rest);
        if (args === 'help') return help(RUN_HELP);
        const { run } = await import('./run.ts');
        // Exit as soon as the drain is done, even if a library left a handle open.
        process.exit(await run(args));
      }
      case 'controller': {
        const { parseControllerArgs, CONTROLLER_HELP } = await import('./controller-args.ts');
        const args = parseControllerArgs(rest);
        if (args === 'help') return help(CONTROLLER_HELP);
        const { controller } = await import('./controller.ts');
        process.exit(await controller(args));
      }
      case 'proxy': {
        const { parseProxyArgs, PROXY_HELP } = await import('./proxy-args.ts');
        const args = parseProxyArgs(rest);
        if (args === 'help') return help(PROXY_HELP);
        const { proxy } = await import('./proxy.ts');
        process.exit(await proxy(args));
      }
      case 'validate': {
        const args = parseValidateArgs(rest);
        if (args === 'help') return help(VALIDATE_HELP);
        const { validate } = await import('./validate.ts');
        return await validate(args);
      }
      default:
        throw new UsageError(
          command.startsWith('-')
            ? `portico: unknown option ${command}; type \`portico --help\`, or \`portico run --help\` for the options of run`
            : `portico: unknown command ${JSON.stringify(command)}; the commands are run, validate and controller, and proxy in a proxy pod (\`portico --help\`)`,
        );
    }
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(err.message + '\n');
      return 2;
    }
    throw err;
  }
}

function help(text: string): number {
  process.stdout.write(text + '\n');
  return 0;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

process.exitCode = await main(process.argv.slice(2));

// Entry the cluster tests spawn inside the network namespace: `portico controller` without the main.ts dispatch.
import { parseControllerArgs } from '../../src/cli/controller-args.ts';
import { controller } from '../../src/cli/controller.ts';

const args = parseControllerArgs(process.argv.slice(2));
if (args === 'help') process.exit(0);
process.exit(await controller(args));

#!/usr/bin/env node
// Fills Node's compile cache (the folder NODE_COMPILE_CACHE names) for every command, each under the node flags
// bin/portico.js starts it with. Node keeps one cache per set of flags that changes compiled code (memory saver mode
// does): a cache built under other flags is not used, and each start then strips the TypeScript again and keeps
// ~15 MiB more resident. The image runs this at build time (Dockerfile); its proxy pods cannot write the cache.
//   NODE_COMPILE_CACHE=/app/.compile-cache node bin/compile-cache.js
import { spawnSync } from 'node:child_process';
import { defaultsFor } from './portico.js';

/** What each command imports; main.ts runs on import, so it is given `--version`, which prints and returns. */
const MODULES = {
  run: ['run.ts'],
  controller: ['controller-args.ts', 'controller.ts'],
  proxy: ['proxy-args.ts', 'proxy.ts'],
  validate: ['validate.ts'],
};
const LONG_RUNNING = new Set(['run', 'controller', 'proxy']);

if (!process.env.NODE_COMPILE_CACHE) {
  process.stderr.write('compile-cache: set NODE_COMPILE_CACHE to the folder the cache goes to (the image uses /app/.compile-cache)\n');
  process.exit(2);
}
const cli = new URL('../src/cli/', import.meta.url).href;
for (const [command, files] of Object.entries(MODULES)) {
  const code = `import m from 'node:module'; m.enableCompileCache(); process.argv = [process.argv[0], 'portico', '--version'];
    await import(${JSON.stringify(new URL('./portico.js', import.meta.url).href)});
    for (const f of ${JSON.stringify(files)}) await import(${JSON.stringify(cli)} + f);
    await import(${JSON.stringify(cli)} + 'main.ts'); m.flushCompileCache();`;
  const flags = LONG_RUNNING.has(command) ? defaultsFor(command) : [];
  const r = spawnSync(process.execPath, [...flags, '--input-type=module', '-e', code], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) {
    process.stderr.write(`compile-cache: node ${flags.join(' ')} could not load the ${command} command's modules (exit ${r.status ?? r.signal})\n`);
    process.exit(1);
  }
}

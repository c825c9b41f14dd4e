// Long differential fuzzing runs of the HTTP/1.1 fast path against node:http (issue 7), outside `npm test`.
//   node bench/fuzz-http1.ts [--cases 20000] [--seed n] [--lanes 4] [--corpus | --crashers] [--self] [--only name-substring] [--avoid-crashers]
//   [--verbose]
// --crashers runs the cases known to crash the serving process: exit code 0 means they no longer do.
// --self runs node:http against node:http: any difference then is noise in the harness, not a finding.
import { parseArgs } from 'node:util';
import { corpus, crashers, mutant } from '../test/dataplane/http1-fuzz-corpus.ts';
import { explain, runAll, startLanes, stopLanes, viaNodeHttp, type CaseResult } from '../test/dataplane/http1-fuzz-support.ts';

const { values } = parseArgs({
  options: {
    cases: { type: 'string', default: '20000' },
    seed: { type: 'string' },
    lanes: { type: 'string', default: '4' },
    corpus: { type: 'boolean', default: false },
    crashers: { type: 'boolean', default: false },
    'avoid-crashers': { type: 'boolean', default: false },
    self: { type: 'boolean', default: false },
    only: { type: 'string' },
    verbose: { type: 'boolean', default: false },
  },
});

const seed = values.seed !== undefined ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
const cases = values.crashers ? crashers : values.corpus ? corpus : Array.from({ length: Number(values.cases) }, (_, i) => mutant(seed, i));
// --avoid-crashers: while the known crash stands, a long run would die on the first websocket mutant behind a request.
const chosen = cases
  .filter((c) => !values.only || c.name.includes(values.only))
  .filter((c) => !values['avoid-crashers'] || !/upgrade:[ \t]*websocket/i.test(c.writes.join('')));
console.log(`${chosen.length} cases, seed ${seed}, ${values.self ? 'node:http vs node:http' : 'node:http vs fast path'}`);

const lanes = await startLanes(Number(values.lanes), !values.self);
const differing: CaseResult[] = [];
const started = Date.now();
let done = 0;
let open = 0;
await runAll(lanes, chosen, (r) => {
  done++;
  if (r.a.client.includes('half-closed')) open++;
  if (!r.same) {
    differing.push(r);
    console.log(`\nDIFFERS ${explain(r)}`);
  } else if (values.verbose) {
    console.log(`${r.c.name}: ${JSON.stringify(r.a.client)} upstream ${r.a.upstream.length}`);
  }
  if (done % 500 === 0) console.log(`${done}/${chosen.length} done, ${differing.length} differ, ${((Date.now() - started) / 1000).toFixed(1)} s`);
});
const sum = (side: 'a' | 'b') => lanes.reduce((n, l) => n + viaNodeHttp(l[side]), 0);
console.log(`requests node:http parsed itself: A ${sum('a')}, B ${sum('b')} (the rest of B's went through the fast path)`);
const stopping = Date.now();
await stopLanes(lanes);
console.log(`stopped in ${Date.now() - stopping} ms`);
console.log(
  `\n${chosen.length} cases in ${((Date.now() - started) / 1000).toFixed(1)} s (${open} left node:http waiting for more bytes), ${differing.length} differ (seed ${seed})`,
);
for (const r of differing) console.log(`  ${r.c.name}`);
process.exitCode = differing.length > 0 ? 1 : 0;

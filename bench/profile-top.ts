// Prints the functions with the most self time in a V8 CPU profile (from `node --cpu-prof`), and their callers'
// share by file, so a benchmark's slow spot can be named without opening DevTools.
//   node bench/profile-top.ts PROFILE.cpuprofile [N] [--callers NAME]
// --callers NAME: also which functions call NAME (by self time of NAME under each caller).
import { readFileSync } from 'node:fs';

type Node = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number; children?: number[] };
type Profile = { nodes: Node[]; samples: number[]; timeDeltas: number[] };

const argv = process.argv.slice(2);
const callersAt = argv.indexOf('--callers');
const callersOf = callersAt >= 0 ? argv.splice(callersAt, 2)[1] : undefined;
const [file, nArg] = argv;
if (!file) {
  console.error('usage: node bench/profile-top.ts PROFILE.cpuprofile [N] [--callers NAME]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

const fnSelf = new Map<string, number>();
const fileSelf = new Map<string, number>();
for (const [id, us] of selfUs) {
  const f = byId.get(id)!.callFrame;
  const where = f.url ? `${f.url.replace(/^file:\/\/.*?\/(src|node_modules|bench)\//, '$1/')}:${f.lineNumber + 1}` : '';
  const key = `${f.functionName || '(anonymous)'} ${where}`.trim();
  fnSelf.set(key, (fnSelf.get(key) ?? 0) + us);
  const group = f.url ? f.url.replace(/^file:\/\/.*?\/(src|node_modules|bench)\//, '$1/').replace(/^node:.*/, 'node internals') : f.functionName;
  fileSelf.set(group, (fileSelf.get(group) ?? 0) + us);
}
const top = (m: Map<string, number>, n: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n)
  .map(([k, us]) => `${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}`).join('\n');
console.log(`total ${(total / 1000).toFixed(0)} ms sampled\n\nself time by function:\n${top(fnSelf, Number(nArg ?? 25))}\n\nself time by file:\n${top(fileSelf, 15)}`);

if (callersOf) {
  const parent = new Map<number, Node>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n);
  const label = (n: Node) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^file:\/\/.*?\/(src|node_modules|bench)\//, '$1/')}:${n.callFrame.lineNumber + 1}`;
  const byCaller = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const n = byId.get(id)!;
    if (n.callFrame.functionName !== callersOf) continue;
    // Skip the callee's own frames (recursion, internal helpers of the same name) up to its first other caller.
    let p = parent.get(id);
    while (p && p.callFrame.functionName === callersOf) p = parent.get(p.id);
    const key = p ? label(p) : '(root)';
    byCaller.set(key, (byCaller.get(key) ?? 0) + us);
  }
  console.log(`\ncallers of ${callersOf}:\n${top(byCaller, 15)}`);
}

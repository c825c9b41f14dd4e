// One probe run on its own, optionally with a CPU profile of the probe window only (through the inspector, so
// start-up and the initial parse are left out): where the time from a file write to the first 200 goes.
//   node bench/propagation/probe-profile.ts [EXISTING_ROUTES=3000] [PROBES=40] [OUT.cpuprofile]
// then: node bench/profile-top.ts OUT.cpuprofile [N] [--callers NAME]
import { writeFileSync } from 'node:fs';
import { closeAgent } from '../lib/http.ts';
import { startCpuProfile } from '../lib/inspector.ts';
import { makeTempDir, removeTempDir, stopAll } from '../lib/proc.ts';
import { fmt, percentile } from '../lib/stats.ts';
import { closeUpstreams, startNamedUpstreams } from '../lib/upstreams.ts';
import { startWatchedPortico } from './portico.ts';
import { probe } from './probe.ts';

const [existingArg, probesArg, out] = process.argv.slice(2);
const existing = Number(existingArg ?? 3000), probes = Number(probesArg ?? 40);
if (!(existing > 0) || !(probes > 0)) {
  console.error('usage: node bench/propagation/probe-profile.ts [EXISTING_ROUTES] [PROBES] [OUT.cpuprofile]');
  process.exit(2);
}
const ups = await startNamedUpstreams(['a', 'b', 'c']);
const dir = makeTempDir('portico-probe-');
try {
  const p = await startWatchedPortico(dir, ups, existing);
  const stop = out ? await startCpuProfile(p.inspectPort) : null;
  const r = await probe(p, probes, 'a');
  if (stop) writeFileSync(out!, await stop());
  const t = r.timesMs;
  console.log(`${existing} existing routes, ${t.length} probes: p50 ${fmt(percentile(t, 50), 1)} ms, p99 ${fmt(percentile(t, 99), 1)} ms, ` +
    `min ${fmt(Math.min(...t), 1)} ms; translate ${fmt(r.translateMs, 1)} ms, apply ${fmt(r.applyMs, 1)} ms (means); ${r.timeouts} timeouts` +
    (out ? `; profile in ${out}` : ''));
} finally {
  await stopAll();
  removeTempDir(dir);
  await closeUpstreams(ups);
  closeAgent();
}

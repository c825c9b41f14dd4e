// Open-loop load at a fixed rate, for latency at a moderate load (wrk is closed-loop: at saturation its latency is
// mostly queueing). Requests are sent on schedule whether or not earlier ones answered; latency runs from the
// send to the end of the response body. The first second is sent at the same rate but not recorded: a fresh Node
// client compiles its code and opens its connections then, and with a few thousand samples those first stalls were
// the whole p99 (even for the upstream alone: 30 ms).
//   node bench/dataplane/fixed-rate.ts URL RATE SECONDS   → one JSON line
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';

const [url, rateArg, secondsArg] = process.argv.slice(2);
const rate = Number(rateArg), seconds = Number(secondsArg);
if (!url || !(rate > 0) || !(seconds > 0)) {
  console.error('usage: node bench/dataplane/fixed-rate.ts URL RATE SECONDS');
  process.exit(2);
}
const target = new URL(url);
const pool = new Pool(target.origin, { connections: 64 });
const WARM_S = 1;
const warm = Math.round(rate * WARM_S);
const total = warm + Math.round(rate * seconds);
const latencies: number[] = [];
let sent = 0, done = 0, errors = 0;

let measureStart = 0;
const fire = (recorded: boolean) => {
  const t0 = performance.now();
  pool.request({ path: target.pathname + target.search, method: 'GET' }).then(async (r) => {
    await r.body.dump();
    if (r.statusCode !== 200) errors++;
    if (recorded) latencies.push(performance.now() - t0);
  }, () => { errors++; }).finally(() => {
    if (++done === total) finish();
  });
};

const start = performance.now();
// Timers fire at most every ~1 ms, so each tick sends what is due by now: a small burst, never a backlog.
const tick = () => {
  const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate));
  while (sent < due) {
    sent++;
    if (sent === warm + 1) measureStart = performance.now();
    fire(sent > warm);
  }
  if (sent < total) setTimeout(tick, 1);
};
tick();
const deadline = setTimeout(finish, (seconds + 15) * 1000);

let finished = false;
function finish(): void {
  if (finished) return;
  finished = true;
  clearTimeout(deadline);
  const s = latencies.sort((a, b) => a - b);
  const pct = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN;
  const elapsed = (performance.now() - measureStart) / 1000;
  console.log(JSON.stringify({ sent: sent - warm, answered: s.length, errors: errors + (total - done), achievedRps: s.length / elapsed, p50: pct(50), p99: pct(99), p999: pct(99.9), max: s[s.length - 1] ?? NaN }));
  void pool.destroy().then(() => process.exit(0));
}

// A running Node process seen through its inspector (started with --inspect on loopback): exact heap figures after a
// forced full GC (without it, heap samples mostly show garbage), and CPU profiles of a chosen window only (a
// `--cpu-prof` profile also holds start-up, which hides what a benchmark measures).
import { get } from './http.ts';

type Pending = Map<number, (result: unknown) => void>;
type Session = { call(method: string, params?: object): Promise<unknown>; close(): void };

async function connect(inspectPort: number): Promise<Session> {
  const list = await get(inspectPort, '/json/list');
  const target = (JSON.parse(list.body) as { webSocketDebuggerUrl?: string }[])[0]?.webSocketDebuggerUrl;
  if (!target) throw new Error(`no inspector target on 127.0.0.1:${inspectPort}; was the process started with --inspect?`);
  const ws = new WebSocket(target);
  const pending: Pending = new Map();
  let nextId = 1;
  ws.onmessage = (ev) => {
    const msg = JSON.parse(String(ev.data)) as { id?: number; result?: unknown; error?: { message: string } };
    if (msg.id !== undefined) pending.get(msg.id)?.(msg.error ? new Error(msg.error.message) : msg.result);
  };
  await new Promise<void>((resolve, reject) => { ws.onopen = () => resolve(); ws.onerror = () => reject(new Error(`cannot connect to ${target}`)); });
  const call = (method: string, params: object = {}) => new Promise<unknown>((resolve, reject) => {
    const id = nextId++;
    const timer = setTimeout(() => reject(new Error(`inspector ${method} did not answer`)), 30_000);
    pending.set(id, (r) => { clearTimeout(timer); if (r instanceof Error) reject(r); else resolve(r); });
    ws.send(JSON.stringify({ id, method, params }));
  });
  return { call, close: () => ws.close() };
}

export async function gcAndMeasure(inspectPort: number): Promise<{ heapMiB: number; rssMiB: number }> {
  const s = await connect(inspectPort);
  try {
    await s.call('HeapProfiler.collectGarbage');
    await s.call('HeapProfiler.collectGarbage'); // a second pass frees what the first one's finalizers released
    const r = await s.call('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true }) as { result: { value: string } };
    const m = JSON.parse(r.result.value) as { heapUsed: number; rss: number };
    return { heapMiB: m.heapUsed / 2 ** 20, rssMiB: m.rss / 2 ** 20 };
  } finally {
    s.close();
  }
}

/** Starts the CPU profiler; the returned function stops it and gives the profile (JSON, as `--cpu-prof` writes it). */
export async function startCpuProfile(inspectPort: number, intervalUs = 200): Promise<() => Promise<string>> {
  const s = await connect(inspectPort);
  await s.call('Profiler.enable');
  await s.call('Profiler.setSamplingInterval', { interval: intervalUs });
  await s.call('Profiler.start');
  return async () => {
    try {
      const r = await s.call('Profiler.stop') as { profile: unknown };
      return JSON.stringify(r.profile);
    } finally {
      s.close();
    }
  };
}

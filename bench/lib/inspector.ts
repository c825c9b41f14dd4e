// Exact heap figures from a running Node process: through its inspector (started with --inspect on loopback),
// force a full GC, then read process.memoryUsage(). Without the forced GC, heap samples mostly show garbage.
import { get } from './http.ts';

type Pending = Map<number, (result: unknown) => void>;

export async function gcAndMeasure(inspectPort: number): Promise<{ heapMiB: number; rssMiB: number }> {
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
  try {
    await call('HeapProfiler.collectGarbage');
    await call('HeapProfiler.collectGarbage'); // a second pass frees what the first one's finalizers released
    const r = await call('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true }) as { result: { value: string } };
    const m = JSON.parse(r.result.value) as { heapUsed: number; rss: number };
    return { heapMiB: m.heapUsed / 2 ** 20, rssMiB: m.rss / 2 ** 20 };
  } finally {
    ws.close();
  }
}

// A process's memory seen through its inspector after a forced full GC, in more detail than bench/lib/inspector.ts
// gives: V8's heap (used and reserved), memory outside it (external: Buffers, WebAssembly), and RSS.
import { get } from '../lib/http.ts';

export type MemoryDetail = { rssMiB: number; heapUsedMiB: number; heapTotalMiB: number; externalMiB: number; arrayBuffersMiB: number };

export async function gcAndDetail(inspectPort: number, collect = true): Promise<MemoryDetail> {
  const list = JSON.parse((await get(inspectPort, '/json/list')).body) as { webSocketDebuggerUrl?: string }[];
  const target = list[0]?.webSocketDebuggerUrl;
  if (!target) throw new Error(`no inspector target on 127.0.0.1:${inspectPort}; was the process started with --inspect?`);
  const ws = new WebSocket(target);
  await new Promise<void>((resolve, reject) => { ws.onopen = () => resolve(); ws.onerror = () => reject(new Error(`cannot connect to ${target}`)); });
  let id = 0;
  const call = (method: string, params: object = {}) => new Promise<unknown>((resolve, reject) => {
    const mine = ++id;
    const timer = setTimeout(() => reject(new Error(`inspector ${method} did not answer in 60 s`)), 60_000);
    ws.addEventListener('message', function on(ev) {
      const msg = JSON.parse(String(ev.data)) as { id?: number; result?: unknown; error?: { message: string } };
      if (msg.id !== mine) return;
      ws.removeEventListener('message', on);
      clearTimeout(timer);
      if (msg.error) reject(new Error(msg.error.message));
      else resolve(msg.result);
    });
    ws.send(JSON.stringify({ id: mine, method, params }));
  });
  try {
    if (collect) {
      await call('HeapProfiler.collectGarbage');
      await call('HeapProfiler.collectGarbage');
    }
    const r = await call('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true }) as { result: { value: string } };
    const m = JSON.parse(r.result.value) as Record<string, number>;
    const mib = (k: string) => (m[k] ?? 0) / 2 ** 20;
    return { rssMiB: mib('rss'), heapUsedMiB: mib('heapUsed'), heapTotalMiB: mib('heapTotal'), externalMiB: mib('external'), arrayBuffersMiB: mib('arrayBuffers') };
  } finally {
    ws.close();
  }
}

export function describe(d: MemoryDetail, fmt: (n: number, digits?: number) => string): string {
  return `after a forced GC heap ${fmt(d.heapUsedMiB, 1)} MiB used of ${fmt(d.heapTotalMiB, 0)} reserved, external ${fmt(d.externalMiB, 1)} MiB, RSS ${fmt(d.rssMiB, 0)} MiB`;
}

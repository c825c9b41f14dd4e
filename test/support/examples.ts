// Shared steps of the example tests: run an example folder with its demo backends and ask it things.
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { eventually, request, type Answer, type RequestOptions } from './http-client.ts';
import { REPO, startPortico, type PorticoProcess } from './portico-process.ts';

export type Example = { get: (path: string, opts?: RequestOptions) => Promise<Answer>; servedBy: (path: string, opts?: RequestOptions) => Promise<string> };

/** Starts `portico run -f examples/<name> --demo-backends` around the calling test file. */
export function runExample(name: string, port: number, readyProbe: { path: string; host?: string }): Example {
  let portico: PorticoProcess;
  before(async () => {
    portico = startPortico(['-f', path.join(REPO, 'examples', name), '--demo-backends']);
    await eventually(async () => (await request(port, readyProbe.path, { host: readyProbe.host })).status === 200, `examples/${name} to answer 200 on :${port}`)
      .catch((err) => { throw new Error(`${err.message}\n--- portico output ---\n${portico.output()}`); });
  });
  after(async () => {
    assert.equal(await portico.stop(), 0, `portico should drain and exit 0 on SIGTERM\n${portico.output()}`);
  });
  const get = (p: string, opts?: RequestOptions) => request(port, p, opts);
  return {
    get,
    servedBy: async (p, opts) => {
      const answer = await get(p, opts);
      assert.equal(answer.status, 200, `GET ${p} → ${answer.status} ${answer.body}`);
      return answer.json().name as string;
    },
  };
}

/** Counts which backend served each of `n` requests. */
export async function tally(ex: Example, n: number, p: string, opts?: RequestOptions): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const name = await ex.servedBy(p, opts);
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

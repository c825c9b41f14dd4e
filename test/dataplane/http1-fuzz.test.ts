// Differential fuzzing of the HTTP/1.1 fast path (issue 7): the same raw bytes go to a node:http plane and to a
// fast-path plane; what their upstreams received and what their clients saw must be the same. Long runs:
// PORTICO_FUZZ_CASES=20000 [PORTICO_FUZZ_SEED=n] node --test test/dataplane/http1-fuzz.test.ts, or bench/fuzz-http1.ts.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { corpus, mutant } from './http1-fuzz-corpus.ts';
import type * as ir from '../../src/ir/types.ts';
import {
  explain,
  fuzzConfig,
  parseUpstreamRequest,
  responsesOf,
  runAll,
  startLanes,
  startSide,
  stopLanes,
  type CaseResult,
  type FuzzCase,
  type Lane,
} from './http1-fuzz-support.ts';

const MUTANTS = Number(process.env.PORTICO_FUZZ_CASES ?? 400);
// A fixed default keeps `npm test` reproducible; a long run sets its own, and failures print it.
const SEED = Number(process.env.PORTICO_FUZZ_SEED ?? 0x5eed);
const LANES = 6;
/** Differences after which a run stops: the first ones say what is wrong, and each may have cost a timeout. */
const ENOUGH = 20;

let lanes: Lane[];

before(async () => {
  lanes = await startLanes(LANES);
});

after(async () => {
  await stopLanes(lanes);
});

async function differential(cases: FuzzCase[]): Promise<CaseResult[]> {
  const differing: CaseResult[] = [];
  await runAll(
    lanes,
    cases,
    (r) => {
      if (!r.same) differing.push(r);
    },
    () => differing.length >= ENOUGH,
  );
  return differing;
}

function verdict(differing: CaseResult[], total: number): void {
  const shown = differing.slice(0, 5).map(explain).join('\n\n');
  const many = differing.length >= ENOUGH ? ' (stopped there)' : '';
  assert.equal(differing.length, 0, `${differing.length} of ${total} cases differ${many} (seed ${SEED}):\n${differing.map((r) => r.c.name).join('\n')}\n\n${shown}`);
}

test(`the smuggling and hygiene corpus gets the same answers from both planes (${corpus.length} cases)`, async () => {
  verdict(await differential(corpus), corpus.length);
});

test(`mutated cases get the same answers from both planes (seed ${SEED}, ${MUTANTS} cases)`, async () => {
  const cases = Array.from({ length: MUTANTS }, (_, i) => mutant(SEED, i));
  verdict(await differential(cases), cases.length);
});

// Found by this fuzzer (node:http threw ERR_HTTP_SOCKET_ASSIGNED out of the process); the listener now closes such a
// connection. Both planes run in a child process, since a crash would take this file's process with it.
test('an Upgrade pipelined behind a request costs its own connection, not the process', async () => {
  const child = spawn(process.execPath, [join(import.meta.dirname, '../../bench/fuzz-http1.ts'), '--crashers', '--lanes', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d));
  child.stderr.on('data', (d: Buffer) => (output += d));
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 0, output.slice(-2000));
});

// The harness itself: a fuzzer that cannot see a difference proves nothing.

test('the recording upstream decodes chunked bodies, flags CL with TE and calls bare LF malformed', () => {
  const input = 'POST / HTTP/1.1\r\nhost: a\r\ntransfer-encoding: chunked\r\ncontent-length: 3\r\n\r\n2\r\nab\r\n1;x=y\r\nc\r\n0\r\nt: 1\r\n\r\nNEXT';
  const chunked = parseUpstreamRequest(input);
  assert.ok('done' in chunked && chunked.done);
  assert.equal(chunked.request.body, 'abc');
  assert.deepEqual(chunked.request.trailers, [['t', '1']]);
  assert.deepEqual(chunked.request.anomalies, ['content-length and transfer-encoding both sent']);
  assert.equal(input.slice(chunked.consumed), 'NEXT');
  const partial = parseUpstreamRequest('POST / HTTP/1.1\r\nhost: a\r\ncontent-length: 5\r\n\r\nab');
  assert.ok('done' in partial && !partial.done && partial.partial.body === 'ab');
  const bad = parseUpstreamRequest('GET / HTTP/1.1\nhost: a\r\n\r\n');
  assert.ok('error' in bad && bad.error.malformed);
});

test('statuses are read from a response stream with 1xx, HEAD answers and chunked bodies', () => {
  const stream =
    'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nokHTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\n' +
    'HTTP/1.1 201 Created\r\ntransfer-encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\nHTTP/1.1 400 Bad Request\r\n\r\n';
  assert.deepEqual(responsesOf(stream).map((r) => r.status), [100, 200, 200, 201, 400]);
  assert.match(String(responsesOf('garbage').at(0)?.status), /^junk/);
});

test('two planes that really differ are told apart', async () => {
  const other = (port: number) => {
    const c = fuzzConfig(port);
    const api = (c.listeners[0] as ir.HttpListener).hosts[0].virtualHosts[0].routes[0];
    api.filters = [];
    return c;
  };
  const lane = { a: await startSide(false), b: await startSide(false, other) };
  try {
    const results: CaseResult[] = [];
    await runAll([lane], corpus.filter((c) => c.name === 'header removed by the route filter' || c.name === 'GET on catch-all'), (r) => results.push(r));
    assert.deepEqual(results.map((r) => [r.c.name, r.same]).sort(), [['GET on catch-all', true], ['header removed by the route filter', false]]);
  } finally {
    await stopLanes([lane]);
  }
});

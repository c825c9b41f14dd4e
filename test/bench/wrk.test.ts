import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseWrk } from '../../bench/lib/wrk.ts';

const OUTPUT = `Running 3s test @ http://127.0.0.1:40000/svc/0/x
  1 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.09ms    3.01ms  43.00ms   93.00%
    Req/Sec    17.00k     1.00k   19.00k    70.00%
  Latency Distribution
     50%  850.00us
     75%    1.20ms
     90%    2.00ms
     99%    1.10s
  51027 requests in 3.00s, 8.47MB read
  Socket errors: connect 0, read 2, write 1, timeout 3
  Non-2xx or 3xx responses: 4
Requests/sec:  17009.12
Transfer/sec:      2.82MB
`;

test('reads requests, rate, latency percentiles in any unit, and counts every kind of error', () => {
  assert.deepEqual(parseWrk(OUTPUT), { requests: 51027, rps: 17009.12, p50ms: 0.85, p99ms: 1100, errors: 10 });
});

test('says which line is missing when the output is not a wrk summary', () => {
  assert.throws(() => parseWrk('unable to connect to 127.0.0.1:1 Connection refused'), /no requests line/);
});

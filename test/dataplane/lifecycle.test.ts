// Config swaps, drains, bind failures and bad requests, over real sockets.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { createDataPlane } from '../../src/dataplane/dataplane.ts';
import { startEcho, type Echo } from '../support/echo-server.ts';
import { eventually, request } from '../support/http-client.ts';
import { startPlane } from './fixture.ts';
import { config, forwardTo, local, prefix, route, simpleListener } from './ir-builders.ts';

let a: Echo;
let b: Echo;
before(async () => {
  a = await startEcho({ name: 'a' });
  b = await startEcho({ name: 'b' });
});
after(async () => {
  await a.close();
  await b.close();
});

const backends = () => ({ a: [local(a.port)], b: [local(b.port)] });

/** A GET on a keep-alive agent that also reports which socket carried it. */
function get(agent: http.Agent, port: number, path: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; body: string; socket: net.Socket }>((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent, headers }, (res) => {
      // Captured now: the agent detaches the socket from the response once it goes back to the pool.
      const socket = res.socket;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, socket }));
    });
    req.on('error', reject);
  });
}

/** Sends raw bytes on a fresh connection and returns everything the server wrote until it closed or answered. */
function raw(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.end(bytes));
    let out = '';
    socket.setEncoding('utf8');
    socket.on('data', (c: string) => (out += c));
    socket.on('close', () => resolve(out));
    socket.on('error', reject);
  });
}

test('a keep-alive connection survives apply(): same socket, new routes', async () => {
  const plane = await startPlane([config({ listeners: [simpleListener(0, [route('one', { path: prefix('/one') })])], backends: backends() })]);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const first = await get(agent, plane.port, '/one');
    assert.equal(first.status, 200);
    assert.ok(first.socket);
    assert.equal((await get(agent, plane.port, '/two')).status, 404);
    await plane.apply([
      config({ listeners: [simpleListener(0, [route('two', { path: prefix('/two'), action: forwardTo(['b', 1]) })])], backends: backends() }),
    ]);
    const second = await get(agent, plane.port, '/two');
    assert.equal(second.status, 200);
    assert.equal(JSON.parse(second.body).name, 'b');
    assert.equal(second.socket, first.socket, 'the same client connection carried both requests');
    assert.equal((await get(agent, plane.port, '/one')).status, 404);
  } finally {
    agent.destroy();
    await plane.close();
  }
});

test('a request in flight finishes on the old routes across a swap', async () => {
  const plane = await startPlane([config({ listeners: [simpleListener(0, [route('to-a', { action: forwardTo(['a', 1]) })])], backends: backends() })]);
  try {
    const slow = request(plane.port, '/slow', { headers: { 'x-echo-hold': '1' } });
    await eventually(async () => a.held() === 1, 'the slow request to reach backend a');
    await plane.apply([config({ listeners: [simpleListener(0, [route('to-b', { action: forwardTo(['b', 1]) })])], backends: backends() })]);
    assert.equal((await request(plane.port, '/new')).json().name, 'b');
    a.release();
    const res = await slow;
    assert.equal(res.status, 200);
    assert.equal(res.json().name, 'a');
  } finally {
    await plane.close();
  }
});

test('a removed port drains: in-flight finishes, idle keep-alive closes, new connections refused', async () => {
  const gw1 = config({ gateway: 'default/one', listeners: [simpleListener(0, [route('r')])], backends: backends() });
  const gw2 = config({ gateway: 'default/two', listeners: [simpleListener(0, [route('r')])], backends: backends() });
  const dp = createDataPlane({ allowLoopbackEndpoints: true, warn: () => {} });
  const results = await dp.apply([gw1, gw2]);
  const port2 = results[1].listeners[0].port;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const idle = await get(agent, port2, '/');
    const idleClosed = new Promise<void>((resolve) => idle.socket.once('close', () => resolve()));
    const inFlight = request(port2, '/held', { headers: { 'x-echo-hold': '1' } });
    await eventually(async () => a.held() === 1, 'the held request to reach backend a');

    const after = await dp.apply([gw1]);
    assert.equal(after.length, 1);
    await idleClosed;
    await assert.rejects(request(port2, '/'), { code: 'ECONNREFUSED' });

    a.release();
    const res = await inFlight;
    assert.equal(res.status, 200);
    assert.equal((await request(results[0].listeners[0].port, '/')).status, 200, 'the other gateway keeps serving');
  } finally {
    agent.destroy();
    await dp.close(1000);
  }
});

test('bind failures are reported, not thrown, and other gateways keep working', async () => {
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
  const taken = (blocker.address() as net.AddressInfo).port;
  const dp = createDataPlane({ allowLoopbackEndpoints: true, warn: () => {} });
  try {
    const results = await dp.apply([
      config({ gateway: 'default/busy', listeners: [simpleListener(taken, [route('r')])], backends: backends() }),
      config({ gateway: 'default/nowhere', addresses: ['192.0.2.1'], listeners: [simpleListener(0, [route('r')])], backends: backends() }),
      config({ gateway: 'default/fine', listeners: [simpleListener(0, [route('r')])], backends: backends() }),
    ]);
    assert.deepEqual(results[0].listeners[0], { port: taken, address: '127.0.0.1', bound: false, error: 'EADDRINUSE' });
    assert.equal(results[1].listeners[0].bound, false);
    assert.equal(results[1].listeners[0].error, 'EADDRNOTAVAIL');
    assert.equal(results[2].listeners[0].bound, true);
    assert.equal((await request(results[2].listeners[0].port, '/')).status, 200);
  } finally {
    await dp.close(1000);
    blocker.close();
  }
});

test('two gateways never share a server: the second on a taken address:port is refused', async () => {
  const plane = await startPlane([config({ gateway: 'default/first', listeners: [simpleListener(0, [route('r')])], backends: backends() })]);
  try {
    const results = await plane.dp.apply([
      config({ gateway: 'default/first', listeners: [simpleListener(0, [route('r')])], backends: backends() }),
      config({ gateway: 'default/second', listeners: [simpleListener(plane.port, [route('r')])], backends: backends() }),
    ]);
    assert.equal(results[0].listeners[0].bound, true);
    assert.equal(results[1].listeners[0].bound, false);
    assert.equal(results[1].listeners[0].error, 'EADDRINUSE');
  } finally {
    await plane.close();
  }
});

test('malformed and oversized requests get 400/431 and do not affect others', async () => {
  const plane = await startPlane([config({ listeners: [simpleListener(0, [route('r')])], backends: backends() })]);
  try {
    assert.match(await raw(plane.port, 'GET / HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n'), /^HTTP\/1\.1 400/);
    const big = `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'y'.repeat(20_000)}\r\n\r\n`;
    assert.match(await raw(plane.port, big), /^HTTP\/1\.1 431/);
    assert.equal((await request(plane.port, '/')).status, 200);
  } finally {
    await plane.close();
  }
});

test('close() lets a request in flight finish, then refuses connections', async () => {
  const plane = await startPlane([config({ listeners: [simpleListener(0, [route('r')])], backends: backends() })]);
  const held = request(plane.port, '/', { headers: { 'x-echo-hold': '1' } });
  await eventually(async () => a.held() === 1, 'the held request to reach backend a');
  const closing = plane.dp.close(10_000);
  await eventually(async () => {
    try {
      await request(plane.port, '/');
      return false;
    } catch {
      return true;
    }
  }, 'the port to stop accepting');
  a.release();
  assert.equal((await held).status, 200);
  await closing;
  await assert.rejects(plane.dp.apply([]), /closed/);
});

test('a port can move from one gateway to another in a single apply', async () => {
  const plane = await startPlane([config({ gateway: 'default/old', listeners: [simpleListener(0, [route('old')])], backends: backends() })]);
  try {
    const results = await plane.dp.apply([
      config({ gateway: 'default/new', listeners: [simpleListener(plane.port, [route('new', { action: forwardTo(['b', 1]) })])], backends: backends() }),
    ]);
    assert.equal(results[0].listeners[0].bound, true, JSON.stringify(results));
    assert.equal((await request(plane.port, '/')).json().name, 'b');
  } finally {
    await plane.close();
  }
});

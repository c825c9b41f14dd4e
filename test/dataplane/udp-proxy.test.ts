// UDP listeners over real sockets: replies reach the client that asked, from the address and port it wrote to.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type * as ir from '../../src/ir/types.ts';
import { startPlane } from './fixture.ts';
import { l4Config, udpBackend, udpClient } from './l4-support.ts';

let a: { port: number; close(): Promise<void> }, b: { port: number; close(): Promise<void> };
before(async () => {
  a = await udpBackend('a');
  b = await udpBackend('b');
});
after(async () => {
  await a.close();
  await b.close();
});

const udp = (backends: ir.L4Backend[] | null, port = 0): ir.UdpListener => ({
  protocol: 'UDP', port, listener: 'udp', route: backends === null ? null : { route: 'udproute/default/r', backends },
});

test('each client gets its own replies, sent from the listener address and port', async () => {
  const plane = await startPlane([l4Config([udp([{ cluster: 'a', weight: 1 }])], { a: a.port })]);
  const c1 = await udpClient();
  const c2 = await udpClient();
  try {
    const r1 = await c1.ask(plane.port, 'one');
    const r2 = await c2.ask(plane.port, 'two');
    assert.deepEqual(r1, { text: 'a:one', from: `127.0.0.1:${plane.port}` });
    assert.deepEqual(r2, { text: 'a:two', from: `127.0.0.1:${plane.port}` });
    assert.equal((await c1.ask(plane.port, 'again')).text, 'a:again');
  } finally {
    c1.close();
    c2.close();
    await plane.close();
  }
});

test('TCP and UDP listeners share a port number', async () => {
  const plane = await startPlane([l4Config([udp([{ cluster: 'a', weight: 1 }])], { a: a.port })]);
  try {
    const port = plane.port;
    const cfg = l4Config([{ protocol: 'TCP', port, listener: 'tcp', route: null }, udp([{ cluster: 'a', weight: 1 }], port)], { a: a.port });
    const [result] = await plane.dp.apply([cfg]);
    assert.deepEqual(result.listeners.map((l) => l.bound), [true, true]);
    const c = await udpClient();
    assert.equal((await c.ask(port, 'shared')).text, 'a:shared');
    c.close();
  } finally {
    await plane.close();
  }
});

test('a reload sends new clients to the new backend', async () => {
  const plane = await startPlane([l4Config([udp([{ cluster: 'a', weight: 1 }])], { a: a.port })]);
  try {
    const port = plane.port;
    await plane.apply([l4Config([{ ...udp([{ cluster: 'b', weight: 1 }], port), route: { route: 'udproute/default/other', backends: [{ cluster: 'b', weight: 1 }] } }], { b: b.port })]);
    const c = await udpClient();
    assert.equal((await c.ask(port, 'hi')).text, 'b:hi');
    c.close();
  } finally {
    await plane.close();
  }
});

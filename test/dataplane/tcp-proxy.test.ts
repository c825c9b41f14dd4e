// TCP listeners over real sockets: piping both ways with half-close, the route's backend, no route, reload, removal.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type * as ir from '../../src/ir/types.ts';
import { startPlane } from './fixture.ts';
import { l4Config, rawExchange, tcpBackend, tcpExchange, type Backend } from './l4-support.ts';

let a: Backend, b: Backend;
before(async () => {
  a = await tcpBackend('a');
  b = await tcpBackend('b');
});
after(async () => {
  await a.close();
  await b.close();
});

const tcp = (backends: ir.L4Backend[] | null): ir.TcpListener => ({
  protocol: 'TCP', port: 0, listener: 'tcp', route: backends === null ? null : { route: 'tcproute/default/r', backends },
});

test('a TCP connection is piped both ways, and half-close reaches the backend and back', async () => {
  const plane = await startPlane([l4Config([tcp([{ cluster: 'a', weight: 1 }])], { a: a.port })]);
  try {
    assert.equal(await tcpExchange(plane.port, ['PING', 'TEST']), 'a:PING\na:TEST\na:bye\n');
  } finally {
    await plane.close();
  }
});

test('weights choose the backend per connection; a zero weight is never chosen', async () => {
  const plane = await startPlane([l4Config([tcp([{ cluster: 'a', weight: 0 }, { cluster: 'b', weight: 5 }])], { a: a.port, b: b.port })]);
  try {
    for (let i = 0; i < 5; i++) assert.equal(await tcpExchange(plane.port, ['x']), 'b:x\nb:bye\n');
  } finally {
    await plane.close();
  }
});

test('without a route, or with an unresolved backend, the connection is accepted and closed', async () => {
  for (const backends of [null, [{ cluster: null, weight: 1 }]]) {
    const plane = await startPlane([l4Config([tcp(backends)], {})]);
    try {
      const r = await rawExchange(plane.port, Buffer.from('hello\n'));
      assert.equal(r.refused, false);
      assert.equal(r.data.length, 0);
    } finally {
      await plane.close();
    }
  }
});

test('a reload sends new connections to the new backend; an open one keeps its upstream', async () => {
  const first = l4Config([tcp([{ cluster: 'a', weight: 1 }])], { a: a.port });
  const plane = await startPlane([first]);
  try {
    const port = plane.port;
    const { connect } = await import('node:net');
    const open = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    open.setEncoding('utf8');
    let seen = '';
    const firstLine = new Promise<void>((r) => open.on('data', (d: string) => {
      seen += d;
      if (seen.includes('\n')) r();
    }));
    open.write('one\n');
    await firstLine;
    const second = l4Config([{ ...tcp([{ cluster: 'b', weight: 1 }]), port }], { b: b.port });
    await plane.apply([second]);
    assert.equal(await tcpExchange(port, ['new']), 'b:new\nb:bye\n');
    const rest = new Promise<void>((r) => open.on('close', () => r()));
    open.end('two\n');
    await rest;
    assert.equal(seen, 'a:one\na:two\na:bye\n');
  } finally {
    await plane.close();
  }
});

test('a removed TCP listener stops accepting', async () => {
  const plane = await startPlane([l4Config([tcp([{ cluster: 'a', weight: 1 }])], { a: a.port })]);
  try {
    const port = plane.port;
    await plane.apply([l4Config([], {})]);
    const r = await rawExchange(port, Buffer.from('x'));
    assert.equal(r.refused, true);
  } finally {
    await plane.close();
  }
});

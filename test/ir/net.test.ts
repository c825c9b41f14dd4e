import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bracketHost, formatHostPort, isLoopbackAddress, mayReachThisHost } from '../../src/ir/net.ts';

test('formatHostPort brackets IPv6 literals once', () => {
  assert.equal(formatHostPort('127.0.0.1', 80), '127.0.0.1:80');
  assert.equal(formatHostPort('example.com', 8080), 'example.com:8080');
  assert.equal(formatHostPort('::1', 80), '[::1]:80');
  assert.equal(formatHostPort('[::1]', 80), '[::1]:80');
  assert.equal(bracketHost('fe80::1'), '[fe80::1]');
});

test('isLoopbackAddress knows every spelling of loopback and only IP literals', () => {
  for (const a of ['127.0.0.1', '127.255.0.9', '::1', '0:0:0:0:0:0:0:1', '::ffff:7f00:1', '::ffff:127.0.0.1']) {
    assert.equal(isLoopbackAddress(a), true, a);
  }
  for (const a of ['10.0.0.1', '0.0.0.0', '::', '127.1', 'localhost', '128.0.0.1', '::2']) {
    assert.equal(isLoopbackAddress(a), false, a);
  }
});

test('mayReachThisHost adds the unspecified addresses and anything that is not an IP literal', () => {
  for (const a of ['127.0.0.1', '::ffff:7f00:1', '0.0.0.0', '::', '0:0::0', '::ffff:0.0.0.0', '127.1', 'localhost']) {
    assert.equal(mayReachThisHost(a), true, a);
  }
  for (const a of ['10.0.0.1', '192.168.1.1', '2001:db8::1']) assert.equal(mayReachThisHost(a), false, a);
});

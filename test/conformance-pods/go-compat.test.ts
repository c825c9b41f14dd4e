import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalHeaderKey, cleanPath, goJson, parseGoDuration, pemEncode, statusText } from '../../conformance/pods/go-compat.ts';
import { echoSetHeaders, goHeaders } from '../../conformance/pods/echo-request.ts';
import { queryGet, splitTarget } from '../../conformance/pods/echo-mux.ts';

test('canonicalHeaderKey follows net/textproto', () => {
  assert.equal(canonicalHeaderKey('x-foo-bar'), 'X-Foo-Bar');
  assert.equal(canonicalHeaderKey('CONTENT-TYPE'), 'Content-Type');
  assert.equal(canonicalHeaderKey('x-b3-traceid'), 'X-B3-Traceid');
  assert.equal(canonicalHeaderKey('bad name'), 'bad name', 'a name with a non-token byte is left alone');
});

test('parseGoDuration accepts time.ParseDuration syntax and reports its errors', () => {
  assert.equal(parseGoDuration('1s'), 1000);
  assert.equal(parseGoDuration('500ms'), 500);
  assert.equal(parseGoDuration('1.5s'), 1500);
  assert.equal(parseGoDuration('1m30s'), 90_000);
  assert.equal(parseGoDuration('.5s'), 500);
  assert.equal(parseGoDuration('0'), 0);
  assert.equal(parseGoDuration('-2s'), -2000);
  assert.equal(parseGoDuration('3us'), 0.003);
  assert.throws(() => parseGoDuration('abc'), { message: 'time: invalid duration "abc"' });
  assert.throws(() => parseGoDuration('1'), { message: 'time: missing unit in duration "1"' });
  assert.throws(() => parseGoDuration('1x'), { message: 'time: unknown unit "x" in duration "1x"' });
  assert.throws(() => parseGoDuration(''), { message: 'time: invalid duration ""' });
});

test('goJson matches json.MarshalIndent with one space, HTML escapes included', () => {
  const v = { entries: [['a', '<&>'], ['b', ['x', 'y']], ['c', { entries: [] }], ['d', []]] as [string, never][] };
  assert.equal(goJson(v, ' '), '{\n "a": "\\u003c\\u0026\\u003e",\n "b": [\n  "x",\n  "y"\n ],\n "c": {},\n "d": []\n}');
  assert.equal(goJson({ entries: [['message', 'q"\n']] }), '{"message":"q\\"\\n"}');
});

test('pemEncode is pem.Encode: 64 columns and a trailing newline', () => {
  const der = Buffer.alloc(100, 0xab);
  const pem = pemEncode('CERTIFICATE', der);
  const lines = pem.split('\n');
  assert.equal(lines[0], '-----BEGIN CERTIFICATE-----');
  assert.deepEqual(lines.slice(1, 4).map((l) => l.length), [64, 64, 8], '100 bytes are 136 base64 characters');
  assert.equal(lines[4], '-----END CERTIFICATE-----');
  assert.equal(lines[5], '');
  assert.equal(Buffer.from(lines.slice(1, 4).join(''), 'base64').equals(der), true);
});

test('cleanPath and target splitting as net/http does', () => {
  assert.equal(cleanPath('/a/./b/../c/'), '/a/c/');
  assert.equal(cleanPath('/..'), '/');
  assert.deepEqual(splitTarget('/a%2Fb?x=%zz'), { path: '/a/b', rawQuery: 'x=%zz' });
  assert.equal(splitTarget('/%zz'), undefined);
  assert.deepEqual(splitTarget('http://h:1/p?q'), { path: '/p', rawQuery: 'q' });
  assert.equal(queryGet('a=1&delay=1s&delay=2s', 'delay'), '1s');
  assert.equal(queryGet('a=1;delay=1s', 'delay'), '', 'Go drops pairs with a semicolon');
  assert.equal(queryGet('u=a+b%21', 'u'), 'a b!');
  assert.equal(statusText(418), "I'm a teapot");
  assert.equal(statusText(599), 'status code 599');
});

test('request headers as Go sees them: canonical, repeated, Host out, Transfer-Encoding out', () => {
  const h = goHeaders(['host', 'a', 'x-a', '1', 'X-A', '2', 'transfer-encoding', 'chunked', 'content-length', '3'], false);
  assert.deepEqual([...h], [['X-A', ['1', '2']]]);
  const req = { requestUri: '/', host: '', method: 'GET', proto: 'HTTP/1.1', remoteAddr: '', headers: new Map([['X-Echo-Set-Header', [' A: 1 , A: 2 x ', 'B:', ':nameless']]]) };
  assert.deepEqual([...echoSetHeaders(req)], [['A', '1,2 x'], ['B', '']]);
});

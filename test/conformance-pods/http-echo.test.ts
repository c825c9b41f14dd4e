import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { startHttpEcho, type HttpEchoServer } from '../../conformance/pods/http-echo.ts';
import { get, header, rawRequest, testPod } from './helpers.ts';

const IP = '127.0.0.41';
const pod = testPod(IP, { SERVICE_NAME: 'infra-backend-v1', HTTP_PORT: '0' });
let srv: HttpEchoServer;
before(async () => (srv = await startHttpEcho(pod)));
after(() => srv.close());

test('echo: D.1 JSON body, raw path, canonical and repeated headers, exact content type', async () => {
  const r = await rawRequest(IP, srv.ports.http, get('/a//b?x=1&y=%20', ['x-foo-bar: one', 'X-FOO-BAR: two', 'accept: */*'], 'foo.example.com:8080'));
  assert.equal(r.status, 200);
  assert.deepEqual(header(r, 'Content-Type'), ['application/json']);
  assert.deepEqual(header(r, 'X-Content-Type-Options'), ['nosniff']);
  const body = JSON.parse(r.body);
  assert.deepEqual(Object.keys(body), ['path', 'host', 'method', 'proto', 'headers', 'httpPort', 'namespace', 'ingress', 'service', 'pod']);
  assert.equal(body.path, '/a//b?x=1&y=%20', 'the echoed path is the raw request target');
  assert.equal(body.host, 'foo.example.com:8080');
  assert.equal(body.method, 'GET');
  assert.equal(body.proto, 'HTTP/1.1');
  assert.deepEqual(body.headers, { Accept: ['*/*'], Connection: ['close'], 'X-Foo-Bar': ['one', 'two'] });
  assert.equal(body.httpPort, '0');
  assert.equal(body.namespace, 'gateway-conformance-infra');
  assert.equal(body.service, 'infra-backend-v1');
  assert.equal(body.pod, 'infra-backend-v1-abc');
  assert.equal(body.ingress, '');
  // Go's MarshalIndent with one space, and its HTML-safe escapes.
  assert.match(r.body, /^\{\n "path": "\/a\/\/b\?x=1\\u0026y=%20",\n "host"/);
  assert.match(r.body, /\n "headers": \{\n {2}"Accept": \[\n {3}"\*\/\*"\n {2}\],/);
});

test('echo: the log line names the request target and the client address', async () => {
  await rawRequest(IP, srv.ports.http, get('/log-me?gateway-api-conformance-request-id=abc'));
  const line = pod.lines.find((l) => l.includes('/log-me'));
  assert.match(line ?? '', /^Echoing back request made to \/log-me\?gateway-api-conformance-request-id=abc to client \(127\.0\.0\.1:\d+\)$/);
});

test('echo: X-Echo-Set-Header sets response headers, joining repeats with a comma', async () => {
  const r = await rawRequest(IP, srv.ports.http, get('/', ['X-Echo-Set-Header: X-Foo: a , X-Bar:b', 'X-Echo-Set-Header: X-Foo:c,,bad name:x']));
  assert.equal(r.status, 200);
  assert.deepEqual(header(r, 'X-Foo'), ['a,c']);
  assert.deepEqual(header(r, 'X-Bar'), ['b']);
  assert.deepEqual(header(r, 'bad name'), []);
  assert.ok(r.head.includes('\r\nX-Foo: a,c\r\n'), 'the name keeps its spelling');
});

test('echo: ?delay= waits (Go durations) and a bad one answers 500 with a JSON message', async () => {
  const ok = await rawRequest(IP, srv.ports.http, get('/?delay=20ms'));
  assert.equal(ok.status, 200);
  assert.equal(JSON.parse(ok.body).path, '/?delay=20ms');
  const bad = await rawRequest(IP, srv.ports.http, get('/?delay=abc'));
  assert.equal(bad.status, 500);
  assert.deepEqual(header(bad, 'Content-Type'), ['application/json']);
  assert.equal(bad.body, '{"message":"time: invalid duration \\"abc\\""}');
});

test('mux: /health, /status/NNN, a bad status, and the trailing-slash redirect', async () => {
  const health = await rawRequest(IP, srv.ports.http, get('/health'));
  assert.equal(health.status, 200);
  assert.equal(health.body, 'OK');
  const s = await rawRequest(IP, srv.ports.http, get('/status/503'));
  assert.equal(s.status, 503);
  assert.equal(s.body, '');
  assert.equal((await rawRequest(IP, srv.ports.http, get('/status/503?x=1'))).status, 400, 'the regexp runs on the whole RequestURI');
  assert.equal((await rawRequest(IP, srv.ports.http, get('/status/abc'))).status, 400);
  const teapot = await rawRequest(IP, srv.ports.http, get('/status/418'));
  assert.match(teapot.head, /^HTTP\/1\.1 418 I'm a teapot\r\n/);
  const redirect = await rawRequest(IP, srv.ports.http, get('/status'));
  assert.equal(redirect.status, 301);
  assert.deepEqual(header(redirect, 'Location'), ['/status/']);
  assert.equal((await rawRequest(IP, srv.ports.http, get('//health'))).body, 'OK', '`//` collapses for routing');
});

test('retry: without responseCode the first attempts are reset, then the echo answers', async () => {
  const first = await rawRequest(IP, srv.ports.http, get('/retry/a?uuid=rst-1&succeedAfter=2'));
  assert.equal(first.error, 'ECONNRESET');
  assert.equal(first.status, 0);
  assert.equal((await rawRequest(IP, srv.ports.http, get('/retry/a?uuid=rst-1&succeedAfter=2'))).error, 'ECONNRESET');
  const third = await rawRequest(IP, srv.ports.http, get('/retry/a?uuid=rst-1&succeedAfter=2'));
  assert.equal(third.status, 200);
  assert.equal(JSON.parse(third.body).path, '/retry/a?uuid=rst-1&succeedAfter=2');
});

test('retry: responseCode answers that status while failing; state is per uuid; bad input is 400', async () => {
  const q = '/retry/b?uuid=code-1&succeedAfter=1&responseCode=503&delayRetry=1ms';
  assert.equal((await rawRequest(IP, srv.ports.http, get(q))).status, 503);
  assert.equal((await rawRequest(IP, srv.ports.http, get(q))).status, 200);
  assert.equal((await rawRequest(IP, srv.ports.http, get('/retry/b?uuid=code-2&succeedAfter=1&responseCode=503'))).status, 503);
  const noUuid = await rawRequest(IP, srv.ports.http, get('/retry/b?succeedAfter=1'));
  assert.equal(noUuid.status, 400);
  assert.equal(noUuid.body, 'uuid is required');
  assert.equal((await rawRequest(IP, srv.ports.http, get('/retry/b?uuid=x&succeedAfter=many'))).body, 'succeedAfter is required');
});

test('h2c: prior-knowledge HTTP/2 is echoed with proto HTTP/2.0 and :authority as host', async () => {
  const client = http2.connect(`http://${IP}:${srv.ports.h2c}`);
  try {
    const req = client.request({ ':path': '/h2c//path?q', 'x-multi': ['1', '2'], cookie: ['a=1', 'b=2'] });
    let body = '';
    let status = 0;
    req.on('response', (h) => (status = Number(h[':status'])));
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    await new Promise((resolve) => req.on('end', resolve));
    assert.equal(status, 200);
    const echo = JSON.parse(body);
    assert.equal(echo.proto, 'HTTP/2.0');
    assert.equal(echo.path, '/h2c//path?q');
    assert.equal(echo.host, `${IP}:${srv.ports.h2c}`);
    assert.deepEqual(echo.headers['X-Multi'], ['1', '2']);
    assert.deepEqual(echo.headers.Cookie, ['a=1; b=2']);
  } finally {
    client.close();
  }
});

test('h2c: plain HTTP/1.1 gets 400 Expected h2c request; an Upgrade: h2c request is echoed over HTTP/1.1', async () => {
  const plain = await rawRequest(IP, srv.ports.h2c, get('/'));
  assert.equal(plain.status, 400);
  assert.equal(plain.body, 'Expected h2c request');
  const upgrade = await rawRequest(IP, srv.ports.h2c, get('/up', ['Upgrade: h2c', 'HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA']));
  assert.equal(upgrade.status, 200);
  assert.equal(JSON.parse(upgrade.body).proto, 'HTTP/1.1');
});

test('no HTTPS listener without TLS_SERVER_CERT and TLS_SERVER_PRIVKEY', () => {
  assert.equal(srv.ports.https, undefined);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareHostnames, covers, effectiveHostnames, intersect } from '../../src/translate/hostnames.ts';

test('a wildcard covers one or more labels, never the bare suffix', () => {
  assert.equal(covers('*.example.com', 'foo.example.com'), true);
  assert.equal(covers('*.example.com', 'a.b.example.com'), true);
  assert.equal(covers('*.example.com', 'example.com'), false);
  assert.equal(covers('*.example.com', 'fooexample.com'), false);
  assert.equal(covers('*.example.com', '*.foo.example.com'), true);
  assert.equal(covers('*.foo.example.com', '*.example.com'), false);
  assert.equal(covers('*', 'anything'), true);
  assert.equal(covers('foo.example.com', 'foo.example.com'), true);
  assert.equal(covers('foo.example.com', 'bar.example.com'), false);
});

test('intersection keeps the more specific hostname', () => {
  assert.equal(intersect(null, 'foo.example.com'), 'foo.example.com');
  assert.equal(intersect('*.example.com', 'foo.example.com'), 'foo.example.com');
  assert.equal(intersect('foo.example.com', '*.example.com'), 'foo.example.com');
  assert.equal(intersect('*.example.com', '*.bar.example.com'), '*.bar.example.com');
  assert.equal(intersect('*.bar.example.com', '*.example.com'), '*.bar.example.com');
  assert.equal(intersect('*.example.com', 'example.net'), null);
});

test('effective hostnames: none given means the listener hostname or any; route hostnames are lower-cased', () => {
  assert.deepEqual(effectiveHostnames(null, []), ['*']);
  assert.deepEqual(effectiveHostnames('*.example.com', []), ['*.example.com']);
  assert.deepEqual(effectiveHostnames('*.example.com', ['Foo.Example.com', 'x.org']), ['foo.example.com']);
});

test('hostname order: exact, longer wildcards, shorter wildcards, any', () => {
  const sorted = ['*', '*.example.com', 'b.example.com', '*.a.example.com', 'a.example.com', null].sort(compareHostnames);
  assert.deepEqual(sorted, ['a.example.com', 'b.example.com', '*.a.example.com', '*.example.com', '*', null]);
});

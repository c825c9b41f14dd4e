// What the admin API shows of a translated HTTPS config: key material as digests, everything else as is.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { redact } from '../../src/ir/redact.ts';
import { snapshotOf } from '../../src/api/snapshot.ts';
import { parseManifests } from '../../src/sources/parse.ts';
import { translate } from '../../src/translate/index.ts';

const input = join(import.meta.dirname, '..', 'golden', 'translate', 'tls', 'routes-attached.in.yaml');

test('a translated HTTPS config dumps without any private key; secret names and listeners stay readable', () => {
  const { proxies } = translate(snapshotOf(parseManifests(readFileSync(input, 'utf8'), input).map((p) => p.object)));
  const config = [...proxies.values()][0]!;
  assert.match(JSON.stringify(config), /PRIVATE KEY/, 'the IR itself carries the key for the data plane');
  const shown = redact(config) as any;
  const text = JSON.stringify(shown);
  assert.doesNotMatch(text, /PRIVATE KEY|BEGIN CERTIFICATE/);
  assert.deepEqual(Object.keys(shown.secrets), ['Secret/default/cert', 'Secret/default/other']);
  for (const v of Object.values(shown.secrets)) assert.match(v as string, /^sha256:[0-9a-f]{64}$/);
  assert.deepEqual(shown.listeners[0].certificates.map((c: any) => c.secretNames[0]),
    ['Secret/default/other', 'Secret/default/other', 'Secret/default/cert', 'Secret/default/cert']);
});

test('a PEM private key in any other field is digested too', () => {
  const shown = redact({ note: '-----BEGIN EC PRIVATE KEY-----\nabc\n-----END EC PRIVATE KEY-----\n', keep: 'plain' }) as any;
  assert.match(shown.note, /^sha256:/);
  assert.equal(shown.keep, 'plain');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { runExample } from '../support/examples.ts';
import { request } from '../support/http-client.ts';
import { REPO } from '../support/portico-process.ts';

const ex = runExample('listenerset', 8086, { path: '/', host: 'www.example.com' });

test('listenerset: the Gateway keeps its hostname and route', async () => {
  assert.equal(await ex.servedBy('/', { host: 'www.example.com' }), 'www');
});

test("listenerset: team A's listeners serve its route on the shared port and on its own port", async () => {
  assert.equal(await ex.servedBy('/', { host: 'app.team-a.example.com' }), 'app');
  const own = await request(8087, '/', { host: 'anything.test' });
  assert.equal(own.status, 200);
  assert.equal(own.json().name, 'app');
});

test('listenerset: a ListenerSet from an unlabelled namespace is refused and serves nothing', async () => {
  assert.equal((await ex.get('/', { host: 'evil.example.com' })).status, 404);
  const run = spawnSync(process.execPath, ['src/cli/main.ts', 'validate', '-f', 'examples/listenerset', '-o', 'json'], { cwd: REPO, encoding: 'utf8' });
  assert.equal(run.status, 1, 'validate exits 1 because one ListenerSet is not accepted');
  const items = JSON.parse(run.stdout).items as any[];
  const takeover = items.find((i) => i.kind === 'ListenerSet' && i.metadata.name === 'takeover');
  const accepted = takeover.status.conditions.find((c: any) => c.type === 'Accepted');
  assert.equal(accepted.status, 'False');
  assert.equal(accepted.reason, 'NotAllowed');
  const gateway = items.find((i) => i.kind === 'Gateway' && i.metadata.name === 'shared-gateway');
  assert.equal(gateway.status.attachedListenerSets, 1);
});

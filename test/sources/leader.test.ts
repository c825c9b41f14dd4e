// Leader election against an in-memory Lease with a fake clock: who leads, takeover on expiry and on release,
// conflicts, the renew deadline; plus the `portico controller` flags that configure it. No cluster needed.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { UsageError } from '../../src/cli/args.ts';
import { parseControllerArgs } from '../../src/cli/controller-args.ts';
import { defaultLeaseNamespace, LeaderElector, microTime, type Lease, type LeaseClient, type LeaderOptions } from '../../src/sources/leader.ts';

const conflict = () => Object.assign(new Error('409 Conflict'), { code: 409 });

/** One Lease as the API server keeps it: a resourceVersion per write, 409 on a stale one or a second create. */
class FakeLeases implements LeaseClient {
  readonly where = 'portico-system/portico-controller';
  lease: Lease | null = null;
  failWith: Error | null = null;
  writes = 0;
  #rv = 0;

  async get() {
    if (this.failWith) throw this.failWith;
    return structuredClone(this.lease);
  }
  async create(l: Lease) {
    if (this.failWith) throw this.failWith;
    if (this.lease) throw conflict();
    return this.#store(l);
  }
  async replace(l: Lease) {
    if (this.failWith) throw this.failWith;
    if (!this.lease || l.metadata.resourceVersion !== this.lease.metadata.resourceVersion) throw conflict();
    return this.#store(l);
  }
  #store(l: Lease) {
    this.writes++;
    this.lease = structuredClone({ ...l, metadata: { ...l.metadata, resourceVersion: String(++this.#rv) } });
    return structuredClone(this.lease);
  }
}

function setup() {
  const leases = new FakeLeases();
  const clock = { ms: Date.parse('2026-03-01T10:00:00Z') };
  const events: string[] = [];
  const warnings: string[] = [];
  const candidate = (identity: string, extra: Partial<LeaderOptions> = {}) =>
    new LeaderElector(leases, {
      identity,
      now: () => clock.ms,
      onStartedLeading: () => events.push(`${identity} leads`),
      onStoppedLeading: () => events.push(`${identity} stops`),
      log: { info: () => {}, warn: (m) => warnings.push(m) },
      ...extra,
    });
  return { leases, clock, events, warnings, candidate };
}

test('the first candidate creates the Lease and leads; its fields are what client-go writes', async () => {
  const { leases, clock, events, candidate } = setup();
  const a = candidate('host-a_1');
  await a.step();
  assert.equal(a.isLeader(), true);
  assert.deepEqual(events, ['host-a_1 leads']);
  assert.deepEqual(leases.lease?.spec, {
    holderIdentity: 'host-a_1', leaseDurationSeconds: 15, acquireTime: '2026-03-01T10:00:00.000000Z', renewTime: '2026-03-01T10:00:00.000000Z', leaseTransitions: 0,
  });
  assert.deepEqual(leases.lease?.metadata, { name: 'portico-controller', namespace: 'portico-system', resourceVersion: '1' });
  clock.ms += 5_000;
  await a.step();
  assert.equal(leases.lease?.spec.renewTime, '2026-03-01T10:00:05.000000Z');
  assert.equal(leases.lease?.spec.acquireTime, '2026-03-01T10:00:00.000000Z', 'a renewal keeps the acquire time');
  assert.deepEqual(events, ['host-a_1 leads'], 'a renewal is not a new start');
});

test('a follower waits while the leader renews, and takes over only after a full lease duration without renewal', async () => {
  const { leases, clock, events, candidate } = setup();
  const a = candidate('a');
  const b = candidate('b');
  await a.step();
  await b.step();
  assert.equal(b.isLeader(), false);
  assert.equal(b.holder(), 'a');
  // The leader renews every 5 s: the follower sees a new version each time and restarts its wait.
  for (let i = 0; i < 5; i++) {
    clock.ms += 5_000;
    await a.step();
    await b.step();
    assert.equal(b.isLeader(), false);
  }
  // The leader goes silent (killed): 14 s is not enough, 15 s is.
  clock.ms += 14_000;
  await b.step();
  assert.equal(b.isLeader(), false);
  clock.ms += 1_000;
  await b.step();
  assert.equal(b.isLeader(), true);
  assert.equal(leases.lease?.spec.holderIdentity, 'b');
  assert.equal(leases.lease?.spec.leaseTransitions, 1);
  // The old leader's clock says it is still within its deadline only if it renewed recently; it did not.
  assert.equal(a.isLeader(), false);
  await a.step();
  assert.equal(a.isLeader(), false);
  assert.deepEqual(events, ['a leads', 'b leads', 'a stops']);
});

test('expiry is measured on the follower clock from when it saw the version, not from renewTime', async () => {
  const { leases, clock, candidate } = setup();
  const a = candidate('a');
  await a.step();
  // The leader's clock runs an hour behind ours, so its renewTime looks long expired: a follower must still wait 15 s.
  leases.lease!.spec.renewTime = microTime(clock.ms - 3_600_000);
  const b = candidate('b');
  await b.step();
  clock.ms += 10_000;
  await b.step();
  assert.equal(b.isLeader(), false);
});

test('two candidates racing for a free Lease: exactly one wins, the other reads a conflict and follows', async () => {
  const { candidate } = setup();
  const a = candidate('a');
  const b = candidate('b');
  await Promise.all([a.step(), b.step()]);
  assert.equal([a.isLeader(), b.isLeader()].filter(Boolean).length, 1);
  await Promise.all([a.step(), b.step()]);
  assert.equal([a.isLeader(), b.isLeader()].filter(Boolean).length, 1);
});

test('stop() stops writing at once and releases the Lease so another candidate takes it without waiting', async () => {
  const { leases, clock, events, candidate } = setup();
  const a = candidate('a');
  const b = candidate('b');
  await a.step();
  await b.step();
  const stopping = a.stop();
  assert.equal(a.isLeader(), false, 'no write after stop() was called, even before the release is sent');
  await stopping;
  assert.equal(leases.lease?.spec.holderIdentity, '');
  assert.equal(leases.lease?.spec.leaseDurationSeconds, 1);
  await b.step(); // same instant: no expiry wait
  assert.equal(b.isLeader(), true);
  assert.equal(leases.lease?.spec.leaseTransitions, 1);
  assert.deepEqual(events, ['a leads', 'a stops', 'b leads']);
  clock.ms += 5_000;
  await a.step();
  assert.equal(a.isLeader(), false, 'a stopped elector never leads again');
});

test('a follower that stops does not touch the Lease', async () => {
  const { leases, candidate } = setup();
  await candidate('a').step();
  const b = candidate('b');
  await b.step();
  const writes = leases.writes;
  await b.stop();
  assert.equal(leases.writes, writes);
  assert.equal(leases.lease?.spec.holderIdentity, 'a');
});

test('failed renewals: leadership is kept until the renew deadline, then dropped before the Lease can expire', async () => {
  const { leases, clock, events, warnings, candidate } = setup();
  const a = candidate('a');
  await a.step();
  leases.failWith = Object.assign(new Error('GET /apis/...: cannot reach the API server'), { code: undefined });
  clock.ms += 5_000;
  await a.step();
  clock.ms += 2_000;
  await a.step();
  assert.equal(a.isLeader(), true, '7 s after the last renewal: still within the 10 s deadline');
  assert.equal(warnings.length, 1, 'the same failure is logged once');
  assert.match(warnings[0]!, /cannot renew the lease portico-system\/portico-controller: .*cannot reach/);
  clock.ms += 3_000;
  assert.equal(a.isLeader(), false, 'the clock alone ends leadership at the deadline');
  await a.step();
  assert.deepEqual(events, ['a leads', 'a stops']);
  assert.match(warnings.at(-1)!, /stopped leading: could not renew .* for 10s/);
  // The API answers again and nobody else took the Lease: the same replica leads again.
  leases.failWith = null;
  await a.step();
  assert.equal(a.isLeader(), true);
});

test('a renewal that succeeds only after the deadline starts leadership anew, so the full status is written again', async () => {
  const { clock, events, candidate } = setup();
  const a = candidate('a');
  await a.step();
  clock.ms += 11_000; // the event loop stalled past the deadline: writes were refused meanwhile
  assert.equal(a.isLeader(), false);
  await a.step();
  assert.equal(a.isLeader(), true);
  assert.deepEqual(events, ['a leads', 'a stops', 'a leads']);
});

test('errors say what to do: a missing namespace, missing permissions', async () => {
  const { leases, warnings, candidate } = setup();
  const a = candidate('a');
  leases.failWith = Object.assign(new Error('POST .../leases: 404 namespaces "portico-system" not found'), { code: 404 });
  await a.step();
  assert.match(warnings.at(-1)!, /create namespace portico-system or choose another with --lease-namespace/);
  leases.failWith = Object.assign(new Error('GET .../leases/portico-controller: 403 forbidden'), { code: 403 });
  await a.step();
  assert.match(warnings.at(-1)!, /grant get, create and update on leases\.coordination\.k8s\.io in namespace portico-system/);
  assert.equal(a.isLeader(), false);
});

test('start() loops on timers: one of two leads, and the other takes over when it stops', async () => {
  const leases = new FakeLeases();
  const started: string[] = [];
  let onLead: (id: string) => void = () => {};
  const make = (identity: string) =>
    new LeaderElector(leases, {
      identity, leaseDurationMs: 60_000, renewDeadlineMs: 30_000, renewMs: 20, retryMs: 10,
      onStartedLeading: () => {
        started.push(identity);
        onLead(identity);
      },
    });
  const a = make('a');
  const b = make('b');
  const first = new Promise<string>((r) => (onLead = r));
  a.start();
  b.start();
  const leader = await first;
  const [winner, other] = leader === 'a' ? [a, b] : [b, a];
  const second = new Promise<string>((r) => (onLead = r));
  await winner.stop();
  assert.equal(await second, other.identity, 'the release lets the other lead well before the 60 s lease would expire');
  await other.stop();
  assert.deepEqual(started, [winner.identity, other.identity]);
  assert.equal(leases.lease?.spec.holderIdentity, '');
});

test('microTime has exactly six fractional digits, as the API server parses MicroTime', () => {
  assert.equal(microTime(Date.parse('2026-03-01T10:00:00.123Z')), '2026-03-01T10:00:00.123000Z');
});

test('the default Lease namespace: the pod namespace file, else the kubeconfig context, else default', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portico-leader-'));
  const file = join(dir, 'namespace');
  assert.equal(defaultLeaseNamespace('team-a', file), 'team-a');
  writeFileSync(file, 'portico-system\n');
  assert.equal(defaultLeaseNamespace('team-a', file), 'portico-system');
  assert.equal(defaultLeaseNamespace(undefined, join(dir, 'absent')), 'default');
});

// The controller-args tests live in test/kubernetes/controller-args.test.ts; these cover the leader flags only.
const parse = (argv: string[]) => parseControllerArgs(argv) as Exclude<ReturnType<typeof parseControllerArgs>, 'help'>;

test('leader flags: on by default, named Lease portico-controller, namespace chosen at start', () => {
  const a = parse([]);
  assert.deepEqual([a.leaderElect, a.leaseNamespace, a.leaseName], [true, null, 'portico-controller']);
  const b = parse(['--lease-namespace', 'portico-system', '--lease-name', 'portico.ctrl-2']);
  assert.deepEqual([b.leaseNamespace, b.leaseName], ['portico-system', 'portico.ctrl-2']);
});

test('--leader-elect=false, --no-leader-elect and --leader-elect=true', () => {
  assert.equal(parse(['--leader-elect=false']).leaderElect, false);
  assert.equal(parse(['--no-leader-elect']).leaderElect, false);
  assert.equal(parse(['--leader-elect=true']).leaderElect, true);
  assert.equal(parse(['--leader-elect']).leaderElect, true);
});

test('leader flag mistakes are usage errors that say what to type', () => {
  assert.throws(() => parse(['--leader-elect=no']), (e: unknown) => e instanceof UsageError && /--leader-elect=false/.test(e.message));
  assert.throws(() => parse(['--lease-namespace', 'Portico_System']), (e: unknown) => e instanceof UsageError && /--lease-namespace "Portico_System" is not a valid Kubernetes name/.test(e.message));
  assert.throws(() => parse(['--lease-name', '-x']), (e: unknown) => e instanceof UsageError && /--lease-name/.test(e.message));
});

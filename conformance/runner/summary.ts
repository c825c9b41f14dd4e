// Turns the suite's report and its `go test -v` output into the readable summary: one row per
// profile, and every test's outcome by name (the report names only failed and skipped tests).
import { parse } from 'yaml';

type Stats = { Passed?: number; Skipped?: number; Failed?: number };
type Status = { result?: string; statistics?: Stats; skippedTests?: string[]; failedTests?: string[] };
type ProfileReport = { name: string; core: Status; extended?: Status & { supportedFeatures?: string[]; unsupportedFeatures?: string[] } };
type Report = { gatewayAPIVersion?: string; gatewayAPIChannel?: string; profiles?: ProfileReport[]; succeededProvisionalTests?: string[] };

export type ProfileRow = {
  profile: string;
  core: { passed: number; failed: number; skipped: number };
  extended: { passed: number; failed: number; skipped: number };
  claimedExtended: string[];
  failed: string[];
};

export function profileRows(reportYaml: string): ProfileRow[] {
  const report = parse(reportYaml) as Report;
  const count = (s: Status | undefined) => ({ passed: s?.statistics?.Passed ?? 0, failed: s?.statistics?.Failed ?? 0, skipped: s?.statistics?.Skipped ?? 0 });
  return (report.profiles ?? []).map((p) => ({
    profile: p.name,
    core: count(p.core),
    extended: count(p.extended),
    claimedExtended: p.extended?.supportedFeatures ?? [],
    failed: [...(p.core.failedTests ?? []), ...(p.extended?.failedTests ?? [])],
  }));
}

/**
 * The README table: profile, core tests passed of total, extended tests passed of those run, extended features
 * claimed. The report's list of a profile's supported features also holds the core features the profile turned
 * on (TCPRoute in GATEWAY-TCP, …) whether claimed or not, so it is cut down to what Portico claims.
 */
export function markdownTable(unordered: ProfileRow[], claimed: readonly string[], order: readonly string[]): string {
  const rank = (p: string) => (order.includes(p) ? order.indexOf(p) : order.length);
  const rows = [...unordered].sort((a, b) => rank(a.profile) - rank(b.profile));
  const total = (c: ProfileRow['core']) => c.passed + c.failed + c.skipped;
  const lines = [
    '| Profile | Core tests passed | Extended tests passed (of claimed features) | Extended features claimed |',
    '|---|---|---|---|',
    ...rows.map((r) => `| ${r.profile} | ${r.core.passed} of ${total(r.core)} | ${r.extended.passed} of ${total(r.extended)} | ${list(r.claimedExtended.filter((f) => claimed.includes(f)))} |`),
  ];
  return lines.join('\n') + '\n';
}

const list = (xs: string[]) => (xs.length === 0 ? '—' : xs.join(', '));

export type TestOutcome = { name: string; result: 'PASS' | 'FAIL' | 'SKIP'; seconds: number; reason?: string };

/**
 * Per-test outcomes from `go test -v` output: the `--- PASS|FAIL|SKIP: TestPortico/<ShortName> (Ns)` lines
 * of the suite's direct subtests. A skip's reason is the suite's log line that precedes it.
 */
export function testOutcomes(goTestOutput: string): TestOutcome[] {
  const out: TestOutcome[] = [];
  const lines = goTestOutput.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^\s*--- (PASS|FAIL|SKIP): TestPortico\/([^/\s]+) \(([\d.]+)s\)/.exec(lines[i]!);
    if (!m) continue;
    const outcome: TestOutcome = { name: m[2]!, result: m[1] as TestOutcome['result'], seconds: Number(m[3]) };
    if (outcome.result === 'SKIP') {
      const next = lines[i + 1]?.trim();
      if (next) outcome.reason = next.replace(/^\S+\.go:\d+: /, '');
    }
    out.push(outcome);
  }
  return out;
}

export function outcomesText(outcomes: TestOutcome[]): string {
  const by = (r: TestOutcome['result']) => outcomes.filter((o) => o.result === r);
  const parts = [`passed ${by('PASS').length}, failed ${by('FAIL').length}, skipped ${by('SKIP').length}`];
  for (const o of by('FAIL')) parts.push(`  FAIL ${o.name} (${o.seconds}s)`);
  return parts.join('\n');
}

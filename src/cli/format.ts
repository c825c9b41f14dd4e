// Human-readable status: one line per object, listener and route parent, with the conditions that matter.
import type { Condition } from '../api/meta.ts';
import type { ObjectStatus, StatusSnapshot } from '../status/types.ts';

/** Conditions where True is the bad news. */
const NEGATIVE = new Set(['Conflicted', 'OverlappingTLSConfig']);

function bad(c: Condition): boolean {
  return NEGATIVE.has(c.type) ? c.status === 'True' : c.status !== 'True';
}

function summary(conditions: readonly Condition[] | undefined): string {
  return (conditions ?? [])
    .map((c) => (bad(c) ? `${c.type}=${c.status} (${c.reason}: ${c.message})` : `${c.type}=${c.status}`))
    .join('  ');
}

function ownConditions(s: ObjectStatus): Condition[] | undefined {
  return 'conditions' in s.status ? s.status.conditions : undefined;
}

function name(s: ObjectStatus): string {
  return s.namespace === undefined ? s.name : `${s.namespace}/${s.name}`;
}

export function formatText(status: StatusSnapshot): string {
  const lines: string[] = [];
  for (const s of status) {
    lines.push(`${s.kind} ${name(s)}  ${summary(ownConditions(s))}`.trimEnd());
    if (s.kind === 'Gateway' || s.kind === 'ListenerSet') {
      const addrs = s.kind === 'Gateway' ? (s.status.addresses ?? []).map((a) => a.value) : [];
      if (addrs.length > 0) lines.push(`  addresses ${addrs.join(', ')}`);
      if (s.kind === 'Gateway' && s.status.attachedListenerSets !== undefined) lines.push(`  attachedListenerSets=${s.status.attachedListenerSets}`);
      for (const l of s.status.listeners ?? []) {
        lines.push(`  listener ${l.name}  attachedRoutes=${l.attachedRoutes}  ${summary(l.conditions)}`.trimEnd());
      }
    }
    if ('ancestors' in s.status) {
      for (const a of s.status.ancestors ?? []) {
        const ref = a.ancestorRef;
        lines.push(`  ancestor ${ref.kind ?? 'Gateway'} ${ref.namespace ?? s.namespace}/${ref.name}${ref.sectionName ? `/${ref.sectionName}` : ''}  ${summary(a.conditions)}`.trimEnd());
      }
    }
    if ('parents' in s.status) {
      for (const p of s.status.parents ?? []) {
        const ref = p.parentRef;
        const section = ref.sectionName ? `/${ref.sectionName}` : '';
        const port = ref.port ? `:${ref.port}` : '';
        lines.push(`  parent ${ref.kind ?? 'Gateway'} ${ref.namespace ?? s.namespace}/${ref.name}${section}${port}  ${summary(p.conditions)}`.trimEnd());
      }
    }
  }
  return lines.join('\n') + '\n';
}

/** One line per Accepted or ResolvedRefs condition that is not True, anywhere in the status. */
export function problems(status: StatusSnapshot): string[] {
  const out: string[] = [];
  const check = (where: string, conditions: readonly Condition[] | undefined) => {
    for (const c of conditions ?? []) {
      if ((c.type === 'Accepted' || c.type === 'ResolvedRefs') && c.status !== 'True') {
        out.push(`${where}: ${c.type}=${c.status} (${c.reason}): ${c.message}`);
      }
    }
  };
  for (const s of status) {
    const where = `${s.kind} ${name(s)}`;
    check(where, ownConditions(s));
    if (s.kind === 'Gateway' || s.kind === 'ListenerSet') for (const l of s.status.listeners ?? []) check(`${where} listener ${l.name}`, l.conditions);
    if ('parents' in s.status) for (const p of s.status.parents ?? []) check(`${where} parent ${p.parentRef.name}`, p.conditions);
    if ('ancestors' in s.status) for (const a of s.status.ancestors ?? []) check(`${where} ancestor ${a.ancestorRef.name}`, a.conditions);
  }
  return out;
}

import { Call, JournalEntry } from './reliabilityRuntimes';

export interface CallSpan {
  replica: string;
  call: Call;
  from: number;
  to: number;
  outcome: 'end' | 'fail' | 'abandoned' | 'cut';
}

/**
 * The runtime calls per instance as time spans. A call whose replica was killed ends at the
 * kill; a hung call ends when the Manager abandoned it (its signal aborted at the step limit);
 * one still open on a live replica stays open.
 */
export function callSpans(
  entries: JournalEntry[],
  killedAt: Record<string, number> = {},
): Map<string, CallSpan[]> {
  const spans = new Map<string, CallSpan[]>();
  const open = new Map<string, JournalEntry[]>();
  for (const e of [...entries].sort((a, b) => a.t - b.t)) {
    const key = `${e.id} ${e.replica} ${e.call}`;
    if (e.ev === 'begin') {
      open.set(key, [...(open.get(key) ?? []), e]);
      continue;
    }
    const begun = open.get(key)?.shift();
    if (!begun) continue;
    const list = spans.get(e.id) ?? [];
    list.push({
      replica: e.replica,
      call: e.call,
      from: begun.t,
      to: e.t,
      outcome: e.ev,
    });
    spans.set(e.id, list);
  }
  for (const begun of [...open.values()].flat()) {
    const list = spans.get(begun.id) ?? [];
    list.push({
      replica: begun.replica,
      call: begun.call,
      from: begun.t,
      to: killedAt[begun.replica] ?? Infinity,
      outcome: 'cut',
    });
    spans.set(begun.id, list);
  }
  return spans;
}

/**
 * Calls on one instance by two replicas at the same time: two workers on one instance, which
 * the leases must rule out. Each as "instance: replica call [from, to] / replica call [from, to]".
 */
export function concurrentWorkers(spans: Map<string, CallSpan[]>): string[] {
  const found: string[] = [];
  for (const [id, list] of spans) {
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        const a = list[i];
        const b = list[j];
        if (a.replica === b.replica) continue;
        if (a.from < b.to && b.from < a.to) {
          found.push(
            `${id}: ${a.replica} ${a.call} [${a.from}, ${a.to}] / ${b.replica} ${b.call} [${b.from}, ${b.to}]`,
          );
        }
      }
    }
  }
  return found;
}

/**
 * Instances whose `call` succeeded more than once on replicas that lived: a step repeated
 * without a crash to excuse it (one killed replica's call may be repeated by the next).
 */
export function repeatedWithoutCrash(
  spans: Map<string, CallSpan[]>,
  call: Call,
  killed: string[],
): string[] {
  const found: string[] = [];
  for (const [id, list] of spans) {
    const done = list.filter(
      s =>
        s.call === call && s.outcome === 'end' && !killed.includes(s.replica),
    );
    if (done.length > 1)
      found.push(`${id}: ${call} succeeded ${done.length} times`);
  }
  return found;
}

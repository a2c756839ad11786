import { isDeepStrictEqual } from 'node:util';

type Json = Record<string, unknown>;

/** One field that both sides changed differently. A side without the field leaves its key out. */
export type Clash = { base?: unknown; ours?: unknown; theirs?: unknown };
export type ConflictRecord = Record<string, Clash>;

export type MergeRules = {
  /** Arrays of strings merged as sets: adds and removes from both sides. */
  sets: ReadonlySet<string>;
  /** ISO dates that take the later of the two sides. */
  later: ReadonlySet<string>;
  /** Arrays of objects with a string `id`, merged item by item (comment lists). */
  keyedArrays: boolean;
};

export const TASK_MERGE_RULES: MergeRules = {
  sets: new Set(['labels', 'dependsOn']),
  later: new Set(['updatedAt']),
  keyedArrays: false,
};
export const COMMENTS_MERGE_RULES: MergeRules = { sets: new Set(), later: new Set(['updatedAt']), keyedArrays: true };

/** The field where a merge records its clashes; kept out of the field-by-field merge itself. */
export const CONFLICT_FIELD = 'conflict';

const same = (a: unknown, b: unknown) => isDeepStrictEqual(a, b);
const absent = Symbol('absent');
type Slot = unknown | typeof absent;

/**
 * Three-way merge of two JSON objects, field by field. A field changed on one side takes that
 * side; a field both changed differently keeps "ours" and is recorded in `conflict`. Clashes
 * already recorded on either side are carried over, unless one side resolved them.
 */
export function mergeFields(base: Json, ours: Json, theirs: Json, rules: MergeRules): { merged: Json; conflict: ConflictRecord } {
  // Entries, then Object.fromEntries: a hand-added "__proto__" field stays a field, not a prototype.
  const merged: Array<[string, unknown]> = [];
  const clashes = new Map(Object.entries(mergeRecorded(base[CONFLICT_FIELD], ours[CONFLICT_FIELD], theirs[CONFLICT_FIELD])));
  const keys = new Set([...Object.keys(ours), ...Object.keys(theirs), ...Object.keys(base)]);
  keys.delete(CONFLICT_FIELD);
  for (const key of keys) {
    const b = slot(base, key);
    const o = slot(ours, key);
    const t = slot(theirs, key);
    const result = mergeSlot(key, b, o, t, rules);
    if ('clash' in result) {
      clashes.set(key, clash(b, o, t));
      if (o !== absent) merged.push([key, o]);
    } else if (result.value !== absent) merged.push([key, result.value]);
  }
  const conflict: ConflictRecord = Object.fromEntries(clashes);
  if (clashes.size > 0) merged.push([CONFLICT_FIELD, conflict]);
  return { merged: Object.fromEntries(merged), conflict };
}

function mergeSlot(key: string, b: Slot, o: Slot, t: Slot, rules: MergeRules): { value: Slot } | { clash: true } {
  if (same(o, t)) return { value: o };
  if (same(b, o)) return { value: t };
  if (same(b, t)) return { value: o };
  if (rules.later.has(key) && typeof o === 'string' && typeof t === 'string') return { value: later(o, t) };
  if (rules.sets.has(key) && isStringArray(o) && isStringArray(t) && (b === absent || isStringArray(b)))
    return { value: mergeSet(b === absent ? [] : b, o, t) };
  if (rules.keyedArrays && isKeyedArray(o) && isKeyedArray(t) && (b === absent || isKeyedArray(b))) {
    const items = mergeKeyed(b === absent ? [] : b, o, t);
    return items ? { value: items } : { clash: true };
  }
  return { clash: true };
}

function slot(obj: Json, key: string): Slot {
  return Object.hasOwn(obj, key) && obj[key] !== undefined ? obj[key] : absent;
}

function clash(b: Slot, o: Slot, t: Slot): Clash {
  const out: Clash = {};
  if (b !== absent) out.base = b;
  if (o !== absent) out.ours = o;
  if (t !== absent) out.theirs = t;
  return out;
}

function later(a: string, b: string): string {
  const ta = Date.parse(a);
  const tb = Date.parse(b);
  if (Number.isNaN(tb)) return a;
  if (Number.isNaN(ta)) return b;
  return tb > ta ? b : a;
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

/** Ours in its order, then what theirs added; whatever either side removed is gone. */
function mergeSet(base: string[], ours: string[], theirs: string[]): string[] {
  const b = new Set(base);
  const o = new Set(ours);
  const t = new Set(theirs);
  const out = ours.filter((x) => !b.has(x) || t.has(x));
  for (const x of theirs) if (!b.has(x) && !o.has(x)) out.push(x);
  return [...new Set(out)];
}

type Keyed = Json & { id: string };

function isKeyedArray(v: unknown): v is Keyed[] {
  return (
    Array.isArray(v) &&
    v.every((x) => x !== null && typeof x === 'object' && !Array.isArray(x) && typeof (x as Json).id === 'string') &&
    new Set(v.map((x) => (x as Keyed).id)).size === v.length
  );
}

/** Items by id: each item changed on one side takes that side; null when one item changed differently on both. */
function mergeKeyed(base: Keyed[], ours: Keyed[], theirs: Keyed[]): Keyed[] | null {
  const byId = (list: Keyed[]) => new Map(list.map((x) => [x.id, x]));
  const b = byId(base);
  const o = byId(ours);
  const t = byId(theirs);
  const out: Keyed[] = [];
  for (const id of new Set([...o.keys(), ...t.keys(), ...b.keys()])) {
    const bi: Slot = b.get(id) ?? absent;
    const oi: Slot = o.get(id) ?? absent;
    const ti: Slot = t.get(id) ?? absent;
    if (same(oi, ti)) {
      if (oi !== absent) out.push(oi as Keyed);
    } else if (same(bi, oi)) {
      if (ti !== absent) out.push(ti as Keyed);
    } else if (same(bi, ti)) {
      if (oi !== absent) out.push(oi as Keyed);
    } else return null;
  }
  return out;
}

function asRecord(v: unknown): ConflictRecord {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as ConflictRecord) : {};
}

function mergeRecorded(base: unknown, ours: unknown, theirs: unknown): ConflictRecord {
  const b = asRecord(base);
  const o = asRecord(ours);
  const t = asRecord(theirs);
  const out: Array<[string, Clash]> = [];
  for (const key of new Set([...Object.keys(o), ...Object.keys(t)])) {
    const bo = slot(b, key);
    const oo = slot(o, key);
    const to = slot(t, key);
    // A clash one side resolved (removed) while the other left it as it was stays resolved.
    const value = same(bo, oo) ? to : same(bo, to) ? oo : oo !== absent ? oo : to;
    if (value !== absent) out.push([key, value as Clash]);
  }
  return Object.fromEntries(out);
}

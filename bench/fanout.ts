/**
 * 4. Fan-out: 50 WebSocket clients x 1,000 events. Every client subscribes to events.onEvent;
 * the events are made by 1,000 `tasks.update` calls over HTTP, 8 in flight at a time. Loss
 * must be 0 (every client gets every event, in order, no resync); latency is from the
 * event's emit time (its `at`) to its arrival in the client, for every delivery.
 */
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { StudioEvent } from '../shared/events.js';
import { type Delivered, RawSubscriber } from './lib/events.js';
import { makeStudioRepo } from './lib/fixtures.js';
import { studioHttp } from './lib/http.js';
import { type BenchContext, figure, type Measurement, markdownTable } from './lib/report.js';
import { medianP99, ms, type Summary, summarize } from './lib/stats.js';
import { startStudioProcess } from './lib/studio.js';

const CLIENTS = 50;
const EVENTS = 1_000;
const IN_FLIGHT = 8;
const P99_BUDGET_MS = 50;

interface RoundResult {
  /** The benchmark process's own event-loop delay while it received: the client side of the latency. */
  clientLoopP99Ms: number;
  /** Per event, the time from the first to the last of the clients receiving it. */
  spread: Summary;
  latency: Summary;
  lost: number;
  outOfOrder: number;
  resyncs: number;
  errors: string[];
  eventsPerSecond: number;
}

/** One round: `clients` subscribers, EVENTS updates, every delivery timed. */
async function round(ctx: BenchContext, clients: number, tag: string): Promise<RoundResult> {
  const { repo, specs } = await makeStudioRepo(path.join(ctx.tmp, `fanout-${tag}`), 100);
  const studio = await startStudioProcess(repo);
  const http = studioHttp(studio.url, studio.token, IN_FLIGHT);
  const subscribers = Array.from({ length: clients }, () => new RawSubscriber(studio.url, studio.token));
  const got: Delivered[][] = subscribers.map(() => []);
  try {
    await Promise.all(subscribers.map((s, i) => s.open().then(() => s.on((d) => got[i]!.push(d)))));
    ctx.log(`${clients} clients subscribed; ${EVENTS} updates, ${IN_FLIGHT} in flight`);
    const loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    const started = performance.now();
    let next = 0;
    const failures: string[] = [];
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < EVENTS && !ctx.signal.aborted) {
          const i = next++;
          const spec = specs[i % specs.length]!;
          const res = await http.request('POST', '/trpc/tasks.update', { id: spec.id, title: `${spec.title} #${i}` });
          if (res.status !== 200) failures.push(`HTTP ${res.status}: ${res.body.toString().slice(0, 200)}`);
        }
      }),
    );
    if (failures.length) throw new Error(`${failures.length} updates failed, first: ${failures[0]}`);
    // Wait for the stragglers: until every client has EVENTS events or 10 s pass.
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && got.some((g) => g.length < EVENTS)) await new Promise((r) => setTimeout(r, 20));
    const elapsed = (performance.now() - started) / 1000;
    loop.disable();

    const latencies: number[] = [];
    let lost = 0;
    let outOfOrder = 0;
    let resyncs = 0;
    for (const deliveries of got) {
      const updates = deliveries.filter((d) => d.event.type === 'task.updated');
      resyncs += deliveries.filter((d) => d.event.type === 'resync').length;
      lost += Math.max(0, EVENTS - new Set(updates.map((d) => d.event.id)).size);
      let last = 0;
      for (const d of updates) {
        const seq = Number(d.event.id.split('-')[1]);
        if (seq <= last) outOfOrder++;
        last = seq;
        latencies.push(d.receivedAt - Date.parse((d.event as StudioEvent).at));
      }
    }
    const byEvent = new Map<string, { first: number; last: number }>();
    for (const deliveries of got)
      for (const d of deliveries) {
        const span = byEvent.get(d.event.id);
        if (!span) byEvent.set(d.event.id, { first: d.receivedAt, last: d.receivedAt });
        else {
          span.first = Math.min(span.first, d.receivedAt);
          span.last = Math.max(span.last, d.receivedAt);
        }
      }
    return {
      clientLoopP99Ms: loop.percentile(99) / 1e6,
      spread: summarize([...byEvent.values()].map((s) => s.last - s.first)),
      latency: summarize(latencies),
      lost,
      outOfOrder,
      resyncs,
      errors: subscribers.flatMap((s) => s.errors),
      eventsPerSecond: EVENTS / elapsed,
    };
  } finally {
    for (const s of subscribers) s.close();
    http.close();
    await studio.stop();
  }
}

export const fanout: Measurement = {
  id: 'fanout',
  title: '4. Fan-out',
  timeoutMs: 240_000,
  async run(ctx: BenchContext) {
    const one = await round(ctx, 1, 'one');
    const many = await round(ctx, CLIENTS, 'many');
    const zeroLoss = many.lost === 0 && many.resyncs === 0 && many.outOfOrder === 0;
    const figures = [
      figure(
        `loss, ${CLIENTS} clients × ${EVENTS.toLocaleString('en-US')} events`,
        `${many.lost} lost, ${many.resyncs} resyncs, ${many.outOfOrder} out of order (of ${(CLIENTS * EVENTS).toLocaleString('en-US')} deliveries)`,
        '0',
        zeroLoss,
      ),
      figure(
        `emit -> client latency, ${CLIENTS} clients`,
        `${medianP99(many.latency)}, max ${ms(many.latency.max)}`,
        `p99 < ${P99_BUDGET_MS} ms`,
        many.latency.p99 < P99_BUDGET_MS,
      ),
      figure('emit -> client latency, 1 client (reference)', `${medianP99(one.latency)}`, '—', null),
    ];
    const notes = [
      `Event timestamps (\`at\`) have millisecond resolution, so each latency is ±1 ms. Throughput of the producer: ${many.eventsPerSecond.toFixed(0)} events/s with ${CLIENTS} clients, ${one.eventsPerSecond.toFixed(0)} with 1.`,
      many.latency.p99 >= one.latency.p99
        ? `Added latency at p99 from ${CLIENTS} clients over 1 client: ${ms(many.latency.p99 - one.latency.p99)}.`
        : `Added latency at p99 from ${CLIENTS} clients over 1 client: none measurable (the 1-client run had the higher p99, ${ms(one.latency.p99)} vs ${ms(many.latency.p99)}: the difference is noise).`,
    ];
    if (many.errors.length) notes.push(`Subscriber errors: ${[...new Set(many.errors)].slice(0, 3).join('; ')}`);
    const details = [
      markdownTable(
        [
          'clients',
          'median',
          'p99',
          'max',
          'lost',
          'events/s',
          'first-to-last client, p99',
          "client process's event-loop delay, p99",
        ],
        [one, many].map((r, i) => [
          String(i === 0 ? 1 : CLIENTS),
          ms(r.latency.median),
          ms(r.latency.p99),
          ms(r.latency.max),
          String(r.lost),
          r.eventsPerSecond.toFixed(0),
          ms(r.spread.p99),
          ms(r.clientLoopP99Ms),
        ]),
      ),
      'All subscribers and the producer share the benchmark process; its event-loop delay is the part of the latency spent waiting on the client side. "First-to-last client" is, per event, the time between the first and the last of the clients receiving it: the cost of the fan-out itself.',
    ];
    return { figures, notes, details };
  },
};

#!/usr/bin/env node
// BullMQ peer harness for the goweb queue benchmarks. It runs the shared
// workloads (see ../README.md) against a private Redis and prints one JSON
// object per metric on stdout. Logs go to stderr.
'use strict';

const { spawn } = require('node:child_process');
const readline = require('node:readline');
const { performance } = require('node:perf_hooks');
const { Queue, Worker } = require('bullmq');
const IORedis = require('ioredis');

const IMPL = 'bullmq';
const VERSION = require('bullmq/package.json').version;
const JOB_NAME = 'order';
const CONCURRENCY = 50; // worker concurrency used by every consuming workload
const PUBLISHERS = 8; // concurrent single-job publishers
const BATCH = 1000;
const WARMUP_MSGS = 1000;
// Completed/failed jobs are removed (what asynq does by default), so they do
// not pile up in Redis; the same as the job option removeOnComplete: true.
const REMOVE = { removeOnComplete: { count: 0 }, removeOnFail: { count: 0 } };
const REMOVE_NOTE = 'removeOnComplete/removeOnFail: true';

const ORDER = {
  order_id: '12345',
  user_id: '67890',
  type: 'payment_reminder',
  message: '请及时完成支付',
  amount: 299.99,
};

const log = (...a) => console.error(new Date().toISOString().slice(11, 23), ...a);
const sleep = (ms) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
// Nanoseconds on this process's monotonic clock.
const monoNs = () => Math.round(performance.now() * 1e6);

// ------------------------------------------------------------------ flags

function usage(msg) {
  console.error(msg);
  process.exit(2);
}

function parseFlags(argv) {
  const flags = { redis: '', workload: 'all', short: false, runs: 1, 'child-consume': '' };
  for (let i = 0; i < argv.length; i++) {
    const m = /^--?([\w-]+)(?:=(.*))?$/.exec(argv[i]);
    if (!m || !(m[1] in flags)) usage(`unknown argument ${argv[i]}`);
    const [, name, inline] = m;
    if (typeof flags[name] === 'boolean') {
      flags[name] = inline === undefined ? true : inline === 'true';
      continue;
    }
    const v = inline !== undefined ? inline : argv[++i];
    if (v === undefined) usage(`flag -${name} needs a value`);
    flags[name] = typeof flags[name] === 'number' ? Number(v) : v;
  }
  return flags;
}

// ------------------------------------------------------------------ helpers

class Countdown {
  constructor(n) {
    this.left = n;
    this.done = new Promise((resolve) => (this.resolve = resolve));
    if (n <= 0) this.resolve();
  }
  hit() {
    if (--this.left === 0) this.resolve();
  }
}

function withTimeout(promise, ms) {
  let t;
  const timer = new Promise((resolve) => (t = setTimeout(() => resolve('timeout'), ms)));
  return Promise.race([promise, timer]).finally(() => clearTimeout(t));
}

// Nearest-rank p50, p99 and max of a non-empty array.
function percentiles(v) {
  v.sort((a, b) => a - b);
  const rank = (p) => v[Math.max(Math.ceil(p * v.length) - 1, 0)];
  return [rank(0.5), rank(0.99), v[v.length - 1]];
}

function pctMetrics(prefix, v, note) {
  if (v.length === 0) return [];
  const [p50, p99, max] = percentiles(v);
  return [
    { name: `${prefix}_p50_ms`, value: p50, unit: 'ms', note },
    { name: `${prefix}_p99_ms`, value: p99, unit: 'ms', note },
    { name: `${prefix}_max_ms`, value: max, unit: 'ms', note },
  ];
}

const rate = (n, ms) => n / (ms / 1000);

function median(v) {
  v = [...v].sort((a, b) => a - b);
  const n = v.length;
  return n % 2 ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Merges repeated runs: per metric (first-seen order) the median of the runs.
function medians(runs) {
  const first = new Map();
  const vals = new Map();
  for (const ms of runs) {
    for (const m of ms) {
      if (!first.has(m.name)) {
        first.set(m.name, m);
        vals.set(m.name, []);
      }
      vals.get(m.name).push(m.value);
    }
  }
  return [...first.values()].map((m) => ({ ...m, value: median(vals.get(m.name)) }));
}

function connectionFor(addr) {
  const [host, port] = addr.split(':');
  return { host, port: Number(port) };
}

// Creates one Worker per queue (not yet running) and waits until connected.
async function makeWorkers(connection, names, concurrency, processor) {
  const ws = names.map((q) => new Worker(q, processor, { connection, concurrency, autorun: false, ...REMOVE }));
  for (const w of ws) w.on('error', (err) => log('worker error:', err.message));
  await Promise.all(ws.map((w) => w.waitUntilReady()));
  return ws;
}

function queueNames(prefix, k) {
  return k === 1 ? [prefix] : Array.from({ length: k }, (_, i) => `${prefix}-${i}`);
}

// ------------------------------------------------------------------ bench env

class Bench {
  constructor(addr, short) {
    this.addr = addr;
    this.connection = connectionFor(addr);
    this.short = short;
    this.redis = new IORedis(this.connection); // the measuring connection
  }

  size(full, short) {
    return this.short ? short : full;
  }

  async flush() {
    await this.redis.flushall();
  }

  async info(section) {
    const kv = {};
    for (const line of (await this.redis.info(section)).split('\n')) {
      const i = line.indexOf(':');
      if (i > 0) kv[line.slice(0, i)] = line.slice(i + 1).trim();
    }
    return kv;
  }

  async usedMemory() {
    return Number((await this.info('memory')).used_memory);
  }

  // Sum of calls of all commands except INFO and CONFIG (measuring connection).
  async commandCalls() {
    let total = 0;
    for (const [k, v] of Object.entries(await this.info('commandstats'))) {
      if (!k.startsWith('cmdstat_')) continue;
      const name = k.slice('cmdstat_'.length);
      if (name === 'info' || name === 'config' || name.startsWith('config|')) continue;
      const m = /calls=(\d+)/.exec(v);
      if (m) total += Number(m[1]);
    }
    return total;
  }

  // Enqueues n jobs, PUBLISHERS concurrent loops each awaiting its own add;
  // queues are used round-robin. Returns elapsed ms.
  async publish(n, names) {
    const queues = names.map((q) => new Queue(q, { connection: this.connection }));
    try {
      await Promise.all(queues.map((q) => q.waitUntilReady()));
      let next = 0;
      const loop = async () => {
        for (let i = next++; i < n; i = next++) {
          await queues[i % queues.length].add(JOB_NAME, ORDER);
        }
      };
      const start = performance.now();
      await Promise.all(Array.from({ length: PUBLISHERS }, loop));
      return performance.now() - start;
    } finally {
      await Promise.all(queues.map((q) => q.close()));
    }
  }

  // Enqueues n jobs spread evenly over the queues with addBulk, up to BATCH
  // jobs per call, one call after the other. Returns elapsed ms. Also used to
  // fill untimed backlogs quickly (the stored jobs are the same as with add).
  async publishBulk(n, names) {
    const queues = names.map((q) => new Queue(q, { connection: this.connection }));
    try {
      await Promise.all(queues.map((q) => q.waitUntilReady()));
      const start = performance.now();
      for (const [i, queue] of queues.entries()) {
        const share = Math.floor(n / queues.length) + (i < n % queues.length ? 1 : 0);
        for (let done = 0; done < share; done += BATCH) {
          const size = Math.min(BATCH, share - done);
          await queue.addBulk(Array.from({ length: size }, () => ({ name: JOB_NAME, data: ORDER })));
        }
      }
      return performance.now() - start;
    } finally {
      await Promise.all(queues.map((q) => q.close()));
    }
  }

  workers(names, concurrency, processor) {
    return makeWorkers(this.connection, names, concurrency, processor);
  }

  // Runs workers (per-worker concurrency conc) on queues and returns the ms
  // from worker start until n no-op jobs have been processed.
  async consume(n, names, conc) {
    const cd = new Countdown(n);
    const ws = await this.workers(names, conc, async () => cd.hit());
    try {
      const start = performance.now();
      for (const w of ws) w.run().catch((err) => log('run:', err.message));
      if ((await withTimeout(cd.done, 120000)) === 'timeout') throw new Error('consume timed out');
      return performance.now() - start;
    } finally {
      await Promise.all(ws.map((w) => w.close()));
    }
  }

  // Publishes and consumes a few jobs, untimed.
  async warmup() {
    await this.publish(WARMUP_MSGS, ['warmup']);
    await this.consume(WARMUP_MSGS, ['warmup'], CONCURRENCY);
  }

  // Starts a worker on queue q whose processor records, in ms, the monotonic
  // time at handler start minus stampOf(job.data); lets it settle, runs
  // publish(queue) and waits until n jobs arrived or the deadline passed.
  async stampedRun(q, n, settleMs, deadlineMs, stampOf, publish) {
    const samples = [];
    const cd = new Countdown(n);
    const [w] = await this.workers([q], CONCURRENCY, async (job) => {
      samples.push((monoNs() - stampOf(job.data)) / 1e6);
      cd.hit();
    });
    const queue = new Queue(q, { connection: this.connection });
    try {
      w.run().catch((err) => log('run:', err.message));
      await queue.waitUntilReady();
      await sleep(settleMs);
      const start = performance.now();
      await publish(queue);
      const left = deadlineMs - (performance.now() - start);
      if ((await withTimeout(cd.done, left)) === 'timeout') {
        log(`deadline reached: ${samples.length}/${n} jobs arrived`);
      }
      return [...samples];
    } finally {
      await w.close();
      await queue.close();
    }
  }

  // ---------------------------------------------------------------- workloads

  async throughput() {
    const n = this.size(50000, 10000);
    await this.warmup();
    const single = await this.publish(n, ['bench']);
    await this.flush();
    const batch = await this.publishBulk(n, ['bench']);
    await this.flush();
    await this.publishBulk(n, ['bench']); // backlog, untimed
    const cons = await this.consume(n, ['bench'], CONCURRENCY);
    return [
      { name: 'publish_single_msgs_per_s', value: rate(n, single), unit: 'msg/s' },
      { name: 'publish_batch_msgs_per_s', value: rate(n, batch), unit: 'msg/s', note: `addBulk, ${BATCH} jobs per call` },
      { name: 'consume_msgs_per_s', value: rate(n, cons), unit: 'msg/s', note: REMOVE_NOTE },
    ];
  }

  async latency() {
    const n = this.size(1000, 300);
    const every = 5;
    const samples = await this.stampedRun('latency', n, 1000, 30000, (d) => d.sent_ns, async (queue) => {
      const start = performance.now();
      for (let i = 0; i < n; i++) {
        await sleep(start + i * every - performance.now());
        await queue.add(JOB_NAME, { ...ORDER, sent_ns: monoNs() });
      }
    });
    return pctMetrics('pickup', samples, `default worker options, concurrency=${CONCURRENCY}, ${REMOVE_NOTE}`);
  }

  async delay() {
    const n = this.size(400, 200);
    const samples = await this.stampedRun('delay', n, 0, 30000, (d) => d.due_ns, async (queue) => {
      for (let i = 0; i < n; i++) {
        const delay = 1000 + Math.floor(Math.random() * 2000);
        await queue.add(JOB_NAME, { ...ORDER, due_ns: monoNs() + delay * 1e6 }, { delay });
      }
    });
    const ms = pctMetrics('delay_late', samples, `delay option, concurrency=${CONCURRENCY}`);
    if (samples.length < n) {
      ms.push({ name: 'delay_received', value: samples.length, unit: 'msgs', note: `of ${n} within 30 s` });
    }
    return ms;
  }

  async memory() {
    const n = this.size(50000, 10000);
    const before = await this.usedMemory();
    await this.publish(n, ['memory']);
    const after = await this.usedMemory();
    return [{ name: 'bytes_per_msg', value: (after - before) / n, unit: 'B' }];
  }

  async idle() {
    const windowMs = this.size(10, 5) * 1000;
    const k = 5;
    const ws = await this.workers(queueNames('idle', k), CONCURRENCY / k, async () => {});
    try {
      for (const w of ws) w.run().catch((err) => log('run:', err.message));
      await sleep(3000);
      await this.redis.config('RESETSTAT');
      const start = performance.now();
      await sleep(windowMs);
      const calls = await this.commandCalls();
      const perS = calls / ((performance.now() - start) / 1000);
      return [{ name: 'idle_cmds_per_s', value: perS, unit: 'cmd/s', note: `${k} Workers (one per queue), concurrency ${CONCURRENCY / k} each` }];
    } finally {
      await Promise.all(ws.map((w) => w.close()));
    }
  }

  async scale() {
    const n = this.size(50000, 10000);
    await this.warmup();
    const ms = [];
    for (const k of [1, 10, 100]) {
      const names = queueNames(`topics${k}`, k);
      const conc = Math.max(1, Math.round(CONCURRENCY / k));
      await this.publishBulk(n, names); // backlog, untimed
      const d = await this.consume(n, names, conc);
      ms.push({ name: `scale_topics_${k}_msgs_per_s`, value: rate(n, d), unit: 'msg/s', note: `${k} Worker(s) x concurrency ${conc} (total ${k * conc}), ${REMOVE_NOTE}` });
      await this.flush();
    }
    for (const p of [1, 2, 4]) {
      const q = `procs${p}`;
      await this.publishBulk(n, [q]); // backlog, untimed
      const d = await this.consumeChildren(n, p, q);
      ms.push({ name: `scale_procs_${p}_msgs_per_s`, value: rate(n, d), unit: 'msg/s', note: `child processes, concurrency ${CONCURRENCY} each, ${REMOVE_NOTE}` });
      await this.flush();
    }
    return ms;
  }

  // Spawns p consumer processes on queue q, waits until each is ready, tells
  // them to start and polls the queue until its n jobs are neither waiting nor
  // active (completed jobs are removed). Children stop when stdin closes.
  async consumeChildren(n, p, q) {
    const kids = [];
    const queue = new Queue(q, { connection: this.connection });
    try {
      for (let i = 0; i < p; i++) {
        const child = spawn(process.execPath, [__filename, '-child-consume', q, '-redis', this.addr], {
          stdio: ['pipe', 'pipe', 'inherit'],
        });
        const exited = new Promise((resolve) => child.on('exit', resolve));
        const firstLine = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]().next();
        const ready = Promise.race([firstLine.then((r) => r.value), exited.then((code) => `exit ${code}`)]);
        kids.push({ child, exited, ready });
      }
      for (const { ready } of kids) {
        const line = await ready;
        if (line !== 'ready') throw new Error(`child did not get ready: ${line}`);
      }
      await queue.waitUntilReady();
      const start = performance.now();
      for (const { child } of kids) child.stdin.write('go\n');
      for (;;) {
        const c = await queue.getJobCounts('wait', 'active', 'prioritized', 'delayed');
        const left = c.wait + c.active + c.prioritized + c.delayed;
        if (left === 0) return performance.now() - start;
        if (performance.now() - start > 120000) throw new Error(`children left ${left}/${n} jobs`);
        await sleep(2);
      }
    } finally {
      for (const { child } of kids) child.stdin.end();
      const codes = await Promise.all(kids.map((k) => k.exited));
      if (codes.some((c) => c !== 0)) log('child exit codes:', codes);
      await queue.close();
    }
  }

  async close() {
    await this.redis.quit();
  }
}

// Body of a consumer child process: "ready" on stdout, run on a line from
// stdin, close the worker when stdin ends.
async function childConsume(addr, q) {
  const [w] = await makeWorkers(connectionFor(addr), [q], CONCURRENCY, async () => {});
  const lines = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  process.stdout.write('ready\n');
  if (!(await lines.next()).done) {
    w.run().catch((err) => log('run:', err.message));
    while (!(await lines.next()).done);
  }
  await w.close();
}

const WORKLOADS = ['throughput', 'latency', 'delay', 'memory', 'idle', 'scale'];

async function main() {
  const flags = parseFlags(process.argv.slice(2));
  if (!flags.redis) usage('-redis host:port is required');
  if (flags['child-consume']) return childConsume(flags.redis, flags['child-consume']);
  const selected = WORKLOADS.filter((w) => flags.workload === 'all' || flags.workload === w);
  if (selected.length === 0) usage(`unknown workload ${flags.workload}`);
  const runs = Math.max(1, flags.runs | 0);

  const b = new Bench(flags.redis, flags.short);
  try {
    for (const name of selected) {
      const all = [];
      for (let r = 0; r < runs; r++) {
        log(`${name}: run ${r + 1}/${runs}`);
        await b.flush();
        all.push(await b[name]());
      }
      for (const m of medians(all)) {
        const line = { impl: IMPL, version: VERSION, workload: name, metric: m.name, value: Math.round(m.value * 1000) / 1000, unit: m.unit };
        if (m.note) line.note = m.note;
        process.stdout.write(JSON.stringify(line) + '\n');
      }
    }
    await b.flush();
  } finally {
    await b.close();
  }
}

main().then(
  () => {
    process.exitCode = 0;
  },
  (err) => {
    log(err && err.stack ? err.stack : err);
    process.exit(1);
  },
);

package redis

import (
	"context"
	"fmt"
	"sync"
	"time"

	"goweb/pkg/redis/internal/keys"
)

// consumer is one Subscribe call. Each of its parts is one type running one
// goroutine (or, for the runner, the worker goroutines) in a file of its
// own:
//
//   - fetcher (fetcher.go) takes entries from Redis into the jobs channel;
//   - runner (runner.go) decodes them and runs the handler;
//   - settler (settler.go, its ack loop in settler_ack.go) acknowledges,
//     retries and dead-letters the outcomes, and hands entries back at
//     shutdown;
//   - leaser (leaser.go) renews this consumer's lease and recovers the
//     entries of dead consumers;
//   - promoter (promoter.go) moves due delayed entries to the queue.
//
// The gate's watcher and the promoter run only while they have work
// (onDemand); on the shared path the leaser ends, and idle workers and an
// idle settler leave until there is work again.
//
// The window (window.go) bounds how many entries the consumer holds: the
// fetcher takes slots from it, the settler gives them back.
type consumer struct {
	q     *RedisQueue
	topic string
	id    string
	o     *subscribeOptions

	fetcher  *fetcher
	runner   *runner
	crew     *crew[*delivery]
	settler  *settler
	leaser   *leaser
	promoter *promoter
	gate     *gate
}

// delivery is one fetched entry and the token that settles it.
type delivery struct {
	token int64
	entry string
}

// newConsumer makes a consumer whose window is sized by p.
func (q *RedisQueue) newConsumer(topic string, o *subscribeOptions, p prefetch) *consumer {
	win := newWindow(o.concurrency, p.max, p.fixed)
	id := q.ids.next()
	k := keys.For(topic)
	jobs := newLazyChan[*delivery](cap(win.slots))
	errs := newThrottle(q.log, q.clock, 10*time.Second)
	lease := o.recoveryWindow / 2
	s := newSettler(q, k, id, win, o, cap(win.slots), errs)
	g := newGate(q, k, id, o, errs)
	g.flush = func(ctx context.Context) {
		if s.returnHandedBack(ctx) > 0 {
			g.settled()
		}
	}
	s.gate = g
	r := newRunner(q, topic, o, jobs, s, g)
	g.stopping = r.stopping.Load
	cr := &crew[*delivery]{size: o.concurrency, ch: jobs, lazy: q.sharing.active, clock: q.clock}
	r.crew = cr
	return &consumer{
		q: q, topic: topic, id: id, o: o,
		fetcher: &fetcher{
			clock: q.clock, rclock: q.rclock, keys: k, cid: id, lease: lease,
			blockTimeout: o.blockTimeout, win: win, jobs: jobs, errs: errs, nextToken: 1, gate: g,
			sharing: q.sharing, crew: cr, full: q.full,
		},
		runner:  r,
		crew:    cr,
		settler: s,
		leaser: &leaser{
			client: q.client, clock: q.clock, rclock: q.rclock, log: q.log, keys: k, cid: id, lease: lease,
			blockTimeout: o.blockTimeout, errs: errs, gate: g, sharing: q.sharing,
		},
		promoter: &promoter{clock: q.clock, rclock: q.rclock, keys: k, errs: errs,
			idle: q.sharing.promoteIdle, arrived: func() { q.sharing.sweeper.poke(topic) }, script: q.sharing.run},
		gate: g,
	}
}

func (c *consumer) run(ctx context.Context, worker func(context.Context)) error {
	c.q.rclock.sync(ctx)
	c.q.register(ctx, c.topic)
	c.q.m.checkServer(ctx)
	// Counted first and uncounted last: the shared path's loops run while
	// any consumer that may use them does.
	c.q.sharing.started()
	defer c.q.sharing.stopped()
	// Listed under the process's lease before the first fetch; on the
	// shared path that lease stands for its own, which it keeps meanwhile
	// should the listing fail.
	c.leaser.joinProcess(ctx)
	c.leaser.shareLease(ctx)
	c.fetcher.block = &blocker{dial: c.q.m.newBlockingClient}
	defer c.fetcher.block.close()
	// Handlers run on their own context, cancelled only after the shutdown
	// timeout: a cancelled Subscribe lets them finish.
	hctx, hardStop := context.WithCancel(context.WithoutCancel(ctx))
	defer hardStop()
	c.settler.handlers = hctx

	// The gate's watcher and the promoter hold no goroutine while idle;
	// the leaser ends on the shared path.
	bg, stopBg := context.WithCancel(context.WithoutCancel(ctx))
	leaveGate := c.gate.join(bg)
	defer leaveGate()
	stopPromoter := sync.OnceFunc(c.promoter.start(bg, c.q.wake))
	defer stopPromoter()
	var bgWG sync.WaitGroup
	bgWG.Add(1)
	go func() { defer bgWG.Done(); c.leaser.run(bg) }()
	c.settler.start()

	var workers sync.WaitGroup
	c.crew.spawn = func() {
		workers.Add(1)
		go func() { defer workers.Done(); worker(hctx) }()
	}
	c.crew.start()
	c.fetcher.start(ctx)

	c.q.log.Info("consumer started", "topic", c.topic, "consumer", c.id, "concurrency", c.o.concurrency)
	<-ctx.Done()
	return c.shutdown(&workers, hardStop, func() { stopBg(); bgWG.Wait(); c.gate.stop(); stopPromoter() })
}

// shutdown stops taking entries, lets running handlers finish within the
// shutdown timeout (then cancels them), settles what they returned, hands
// back the rest and releases this consumer's lease.
func (c *consumer) shutdown(workers *sync.WaitGroup, hardStop func(), stopBg func()) error {
	c.runner.stopping.Store(true)
	c.fetcher.block.close() // a blocked BLMOVE ends when its client closes
	c.fetcher.stop()
	var err error
	if !waitTimeout(workers, c.o.shutdownTimeout) {
		c.q.log.Warn("shutdown timeout: cancelling running handlers", "topic", c.topic, "timeout", c.o.shutdownTimeout.String())
		hardStop()
		if !waitTimeout(workers, 5*time.Second) {
			err = fmt.Errorf("redis: topic %s: handlers did not return within %v after cancellation", c.topic, c.o.shutdownTimeout+5*time.Second)
		}
	}
	c.settler.stop()

	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c.settler.returnHandedBack(sctx)
	stopBg()
	n, rerr := c.leaser.releaseSelf(sctx)
	if rerr != nil {
		c.q.log.Warn("could not release consumer; its messages return after the recovery window",
			"topic", c.topic, "consumer", c.id, "error", rerr)
	} else if n > 0 {
		c.q.log.Info("handed messages back", "topic", c.topic, "count", n)
	}
	if c.q.sharing.leased() {
		c.q.sharing.leaser.leave(sctx, c.id, c.topic, rerr == nil)
	}
	c.gate.released(sctx)
	c.q.log.Info("consumer stopped", "topic", c.topic, "consumer", c.id)
	return err
}

// waitTimeout waits for wg, at most d of real time: shutdown bounds are
// wall-clock promises to the process manager, never driven by a test clock.
func waitTimeout(wg *sync.WaitGroup, d time.Duration) bool {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		return false
	}
}

package redis

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime/debug"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"goweb/pkg/redis/internal/envelope"
	"goweb/pkg/redis/internal/keys"
	"goweb/pkg/redis/internal/scripts"
)

// maxFetch bounds one fetch script call, so a call never holds Redis long.
const maxFetch = 500

// consumer is one Subscribe call: a fetch loop that takes entries in
// batches, worker goroutines that run the handler, an ack loop that settles
// successes in batches, a lease loop that keeps this consumer alive and
// recovers dead ones, and a scheduler that promotes due delayed entries.
type consumer struct {
	q     *RedisQueue
	topic string
	id    string
	o     *subscribeOptions

	pending, claim, inflight, consumers, stats, delayed, dead string

	block goredis.UniversalClient // one connection for BLMOVE
	win   *window
	jobs  chan *delivery
	acks  chan string

	stopping   atomic.Bool // stop starting handlers, hand entries back
	handlerCtx context.Context
	hardStop   context.CancelFunc // cancels running handlers after the shutdown timeout
	ackStop    chan struct{}      // closed when no more acks will be sent
	ackDone    chan struct{}

	mu       sync.Mutex
	handBack []string // tokens to return to the head of the queue

	// Owned by the fetch loop: the next in-flight token to hand out, and
	// the token ranges of fetches that failed recently (see fetch.lua).
	nextToken int64
	unsure    []tokenRange

	redisErrs *throttle
}

// tokenRange is the tokens [from, to) reserved by one fetch call, kept
// after the call failed until expires, in case it ran in Redis anyway.
type tokenRange struct {
	from, to int64
	expires  time.Time
}

// unsureFor is how long a failed fetch is suspected of running late in
// Redis: longer than go-redis' retries of a command that timed out.
const unsureFor = 30 * time.Second

type delivery struct {
	token string
	entry string
}

// newConsumer makes a consumer holding at most outstanding entries, or, when
// maxPrefetch > 0, o.concurrency plus an adaptive prefetch of up to
// maxPrefetch.
func (q *RedisQueue) newConsumer(topic string, o *subscribeOptions, maxPrefetch, outstanding int) *consumer {
	win := newWindow(o.concurrency, maxPrefetch, outstanding)
	outstanding = cap(win.slots)
	id := q.ids.next()
	c := &consumer{
		q: q, topic: topic, id: id, o: o, nextToken: 1,
		pending:   keys.Pending(topic),
		claim:     keys.Claim(topic, id),
		inflight:  keys.Inflight(topic, id),
		consumers: keys.Consumers(topic),
		stats:     keys.Stats(topic),
		delayed:   keys.Delayed(topic),
		dead:      keys.Dead(topic),
		win:       win,
		jobs:      make(chan *delivery, outstanding),
		acks:      make(chan string, outstanding),
		ackStop:   make(chan struct{}),
		ackDone:   make(chan struct{}),
		redisErrs: newThrottle(q.log, 10*time.Second),
	}
	return c
}

func (c *consumer) lease() time.Duration { return c.o.recoveryWindow / 2 }

func (c *consumer) run(ctx context.Context, worker func(context.Context)) error {
	c.q.register(ctx, c.topic)
	c.block = c.q.m.newBlockingClient()
	defer c.block.Close()
	var hctx context.Context
	hctx, c.hardStop = context.WithCancel(context.WithoutCancel(ctx))
	c.handlerCtx = hctx
	defer c.hardStop()

	wake, leave := c.q.wake.join(c.topic)
	defer leave()

	bg, stopBg := context.WithCancel(context.WithoutCancel(ctx))
	var bgWG sync.WaitGroup
	bgWG.Add(2)
	go func() { defer bgWG.Done(); c.leaseLoop(bg) }()
	go func() { defer bgWG.Done(); c.scheduleLoop(bg, wake) }()
	go func() { defer close(c.ackDone); c.ackLoop() }()

	var workers sync.WaitGroup
	for i := 0; i < c.o.concurrency; i++ {
		workers.Add(1)
		go func() { defer workers.Done(); worker(hctx) }()
	}
	fetchDone := make(chan struct{})
	go func() { defer close(fetchDone); c.fetchLoop(ctx) }()

	c.q.log.Info("consumer started", "topic", c.topic, "consumer", c.id, "concurrency", c.o.concurrency)
	<-ctx.Done()

	// Stop taking messages; a blocked BLMOVE ends when its client closes.
	c.stopping.Store(true)
	_ = c.block.Close()
	<-fetchDone
	var err error
	if !waitTimeout(&workers, c.o.shutdownTimeout) {
		c.q.log.Warn("shutdown timeout: cancelling running handlers", "topic", c.topic, "timeout", c.o.shutdownTimeout)
		c.hardStop()
		if !waitTimeout(&workers, 5*time.Second) {
			err = fmt.Errorf("redis: topic %s: handlers did not return within %v after cancellation", c.topic, c.o.shutdownTimeout+5*time.Second)
		}
	}
	close(c.ackStop)
	<-c.ackDone

	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c.returnHandedBack(sctx)
	stopBg()
	bgWG.Wait()
	if n, rerr := c.release(sctx, c.id, true); rerr != nil {
		c.q.log.Warn("could not release consumer; its messages return after the recovery window",
			"topic", c.topic, "consumer", c.id, "error", rerr)
	} else if n > 0 {
		c.q.log.Info("handed messages back", "topic", c.topic, "count", n)
	}
	c.q.log.Info("consumer stopped", "topic", c.topic, "consumer", c.id)
	return err
}

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

func (c *consumer) fetchLoop(ctx context.Context) {
	defer close(c.jobs)
	drained := false
	for {
		// With a backlog, fetch in batches of at least a quarter of the
		// window: fewer, larger round trips, while the prefetched rest
		// keeps the workers busy. When idle, one free slot is enough.
		c.win.adjust()
		least := max(1, c.win.size()/4)
		if drained {
			least = 1
		}
		n := c.win.acquire(ctx, least, maxFetch)
		if n == 0 {
			return
		}
		if drained && !c.waitForEntry(ctx) {
			c.win.release(n)
			if ctx.Err() != nil {
				return
			}
			continue
		}
		got, err := c.fetch(ctx, n)
		c.win.release(n - got)
		if err != nil {
			// Fetch again rather than block: an entry a blocking move just
			// put on the claim list is only taken by a fetch.
			drained = false
			if ctx.Err() != nil {
				return
			}
			c.redisErrs.log("fetch failed", err, "topic", c.topic)
			sleepCtx(ctx, time.Second)
			continue
		}
		drained = got < n
	}
}

// waitForEntry blocks until an entry is pending and moves it to this
// consumer's claim list, where the next fetch picks it up. It returns false
// on timeout. On error it returns true after a pause, because the move may
// have happened with its reply lost: only a fetch would take that entry.
func (c *consumer) waitForEntry(ctx context.Context) bool {
	err := c.block.BLMove(ctx, c.pending, c.claim, "RIGHT", "LEFT", c.o.blockTimeout).Err()
	switch {
	case err == nil:
		return true
	case errors.Is(err, goredis.Nil), ctx.Err() != nil:
		return false
	default:
		c.redisErrs.log("waiting for messages failed", err, "topic", c.topic)
		sleepCtx(ctx, time.Second)
		return ctx.Err() == nil
	}
}

// fetch takes up to n entries. Tokens are this consumer's own, never
// reused while it lives, so an ack can never settle another fetch's entry,
// even after a failover rolled Redis back.
func (c *consumer) fetch(ctx context.Context, n int) (int, error) {
	from := c.nextToken
	c.nextToken += int64(n)
	args := []interface{}{n, c.q.now().Add(c.lease()).UnixMilli(), c.id, from}
	now := time.Now()
	c.unsure = slices.DeleteFunc(c.unsure, func(r tokenRange) bool { return now.After(r.expires) })
	for _, r := range c.unsure {
		args = append(args, r.from, r.to)
	}
	res, err := scripts.Fetch.Run(ctx, c.q.client,
		[]string{c.pending, c.claim, c.inflight, c.consumers}, args...).StringSlice()
	if err != nil {
		c.unsure = append(c.unsure, tokenRange{from: from, to: from + int64(n), expires: now.Add(unsureFor)})
		return 0, err
	}
	for i := 0; i+1 < len(res); i += 2 {
		c.jobs <- &delivery{token: res[i], entry: res[i+1]}
	}
	return len(res) / 2, nil
}

// sleepCtx waits for d; false if ctx ended first.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// singleWorker runs handler for one delivery at a time.
func (c *consumer) singleWorker(ctx context.Context, handler MessageHandler) {
	for d := range c.jobs {
		if c.stopping.Load() {
			c.giveBack(d)
			continue
		}
		msg, ok := c.decode(d)
		if !ok {
			continue
		}
		start := time.Now()
		err := c.call(ctx, func(hctx context.Context) error { return handler(hctx, msg) })
		c.settle(d, msg, err, time.Since(start))
	}
}

// batchWorker collects up to batchSize deliveries, waiting at most
// batchWait after the first, and runs handler on them together.
func (c *consumer) batchWorker(ctx context.Context, handler BatchHandler) {
	for {
		first, ok := <-c.jobs
		if !ok {
			return
		}
		batch := c.collect(first)
		if c.stopping.Load() {
			for _, d := range batch {
				c.giveBack(d)
			}
			continue
		}
		var ds []*delivery
		var msgs []Message
		for _, d := range batch {
			if msg, ok := c.decode(d); ok {
				ds = append(ds, d)
				msgs = append(msgs, *msg)
			}
		}
		if len(msgs) == 0 {
			continue
		}
		start := time.Now()
		err := c.call(ctx, func(hctx context.Context) error { return handler(hctx, msgs) })
		took := time.Since(start) // the handler's time, not the settling before each message
		for i, d := range ds {
			c.settle(d, &msgs[i], err, took)
		}
	}
}

func (c *consumer) collect(first *delivery) []*delivery {
	batch := []*delivery{first}
	t := time.NewTimer(c.o.batchWait)
	defer t.Stop()
	for len(batch) < c.o.batchSize {
		select {
		case d, ok := <-c.jobs:
			if !ok {
				return batch
			}
			batch = append(batch, d)
		case <-t.C:
			return batch
		}
	}
	return batch
}

// decode turns a delivery into a Message, dead-lettering entries that are
// not valid envelopes.
func (c *consumer) decode(d *delivery) (*Message, bool) {
	if len(d.entry) > c.q.MaxPayload {
		c.bury(d, "", 0, fmt.Sprintf("entry of %d bytes exceeds the %d-byte limit", len(d.entry), c.q.MaxPayload), false, nil)
		return nil, false
	}
	env, err := envelope.Decode([]byte(d.entry))
	if err != nil {
		c.q.log.Warn("dead-lettering invalid entry", "topic", c.topic, "error", err)
		c.bury(d, "", 0, err.Error(), false, err)
		return nil, false
	}
	msg := &Message{
		ID:        env.ID,
		Topic:     c.topic,
		Data:      env.Data,
		Attempt:   env.Attempt + 1,
		Headers:   env.Headers,
		LastError: env.Error,
	}
	if env.TS > 0 {
		msg.PublishedAt = time.UnixMilli(env.TS)
	}
	return msg, true
}

// call runs fn with the handler timeout and turns a panic into an error.
func (c *consumer) call(ctx context.Context, fn func(context.Context) error) (err error) {
	if c.o.handlerTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.o.handlerTimeout)
		defer cancel()
	}
	defer func() {
		if r := recover(); r != nil {
			stack := debug.Stack()
			c.q.log.Error("handler panicked", "topic", c.topic, "panic", fmt.Sprint(r), "stack", string(stack))
			err = &PanicError{Value: r, Stack: stack}
		}
	}()
	return fn(ctx)
}

// settle records the outcome of a handled delivery.
func (c *consumer) settle(d *delivery, msg *Message, err error, dur time.Duration) {
	c.win.observe(dur)
	ev := Event{Topic: c.topic, ID: msg.ID, Attempt: msg.Attempt, Duration: dur, Err: err}
	switch {
	case err == nil:
		select {
		case c.acks <- d.token:
		case <-c.ackStop: // abandoned after the shutdown timeout: redelivered later
		}
		ev.Outcome = OutcomeProcessed
		c.win.release(1)
	case c.handlerCtx.Err() != nil:
		// Cancelled by shutdown, not the handler's fault: no attempt counted.
		c.giveBack(d)
		return
	case errors.Is(err, ErrSkipRetry) || msg.Attempt > c.o.maxRetries:
		c.q.log.Error("message dead-lettered", "topic", c.topic, "message_id", msg.ID, "attempt", msg.Attempt, "error", err)
		c.bury(d, msg.ID, msg.Attempt, err.Error(), true, err)
		return
	default:
		c.q.log.Warn("handler failed, will retry", "topic", c.topic, "message_id", msg.ID, "attempt", msg.Attempt, "error", err)
		c.retry(d, msg, err)
		ev.Outcome = OutcomeRetried
		c.win.release(1)
	}
	c.observe(ev)
}

func (c *consumer) observe(ev Event) {
	if c.o.observer != nil {
		c.o.observer(ev)
	}
}

func (c *consumer) giveBack(d *delivery) {
	c.mu.Lock()
	c.handBack = append(c.handBack, d.token)
	c.mu.Unlock()
	c.win.release(1)
	c.observe(Event{Topic: c.topic, Outcome: OutcomeRequeued})
}

// persist runs a settling script until it succeeds or the consumer has
// given up at shutdown; while it fails the entry stays in flight, so it is
// never lost, only delivered again.
func (c *consumer) persist(what string, run func(context.Context) error) {
	for backoff := 50 * time.Millisecond; ; backoff = min(2*backoff, 2*time.Second) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := run(ctx)
		cancel()
		if err == nil {
			return
		}
		c.redisErrs.log(what+" failed", err, "topic", c.topic)
		select {
		case <-c.ackStop:
			return
		case <-time.After(backoff):
		}
	}
}

func (c *consumer) retry(d *delivery, msg *Message, herr error) {
	entry, err := envelope.Retried([]byte(d.entry), msg.Attempt, herr.Error())
	if err != nil { // cannot happen for an entry that decoded; never lose it
		c.bury(d, msg.ID, msg.Attempt, err.Error(), true, err)
		return
	}
	due := c.q.now().Add(c.o.backoff(msg.Attempt)).UnixMilli()
	c.persist("retry", func(ctx context.Context) error {
		return scripts.Retry.Run(ctx, c.q.client, []string{c.inflight, c.delayed, c.stats}, d.token, due, entry).Err()
	})
	c.q.wake.notify(c.topic)
}

// bury dead-letters d with reason. handlerFailed tells whether it counts as
// a failed attempt (not for entries that could not be decoded).
func (c *consumer) bury(d *delivery, id string, attempt int, reason string, handlerFailed bool, cause error) {
	now := c.q.nowMs()
	rec := envelope.EncodeDead(&envelope.DeadRecord{ID: id, Reason: reason, Attempt: attempt, FailedAt: now, Entry: d.entry})
	failed := "0"
	if handlerFailed {
		failed = "1"
	}
	c.persist("dead-letter", func(ctx context.Context) error {
		return scripts.Dead.Run(ctx, c.q.client, []string{c.inflight, c.dead, c.stats}, d.token, now, rec, c.o.maxDead, failed).Err()
	})
	c.win.release(1)
	c.observe(Event{Topic: c.topic, ID: id, Attempt: attempt, Outcome: OutcomeDead, Err: cause})
}

// ackLoop acknowledges successes in batches: whatever piled up while the
// previous batch was in flight goes in the next.
func (c *consumer) ackLoop() {
	var tokens []string
	for {
		if len(tokens) == 0 {
			select {
			case t := <-c.acks:
				tokens = append(tokens, t)
			case <-c.ackStop:
				c.drainAcks(&tokens)
				if len(tokens) == 0 {
					return
				}
			}
		}
		c.drainAcks(&tokens)
		c.persist("ack", func(ctx context.Context) error {
			return scripts.Ack.Run(ctx, c.q.client, []string{c.inflight, c.stats}, toArgs(tokens)...).Err()
		})
		tokens = tokens[:0]
	}
}

func (c *consumer) drainAcks(tokens *[]string) {
	for len(*tokens) < 1000 {
		select {
		case t := <-c.acks:
			*tokens = append(*tokens, t)
		default:
			return
		}
	}
}

func toArgs(ss []string) []interface{} {
	args := make([]interface{}, len(ss))
	for i, s := range ss {
		args[i] = s
	}
	return args
}

// returnHandedBack puts entries that were fetched but not handled back at
// the head of the queue, oldest nearest the head.
func (c *consumer) returnHandedBack(ctx context.Context) {
	c.mu.Lock()
	tokens := c.handBack
	c.handBack = nil
	c.mu.Unlock()
	if len(tokens) == 0 {
		return
	}
	slices.SortFunc(tokens, func(a, b string) int { return cmp.Compare(atoi(a), atoi(b)) })
	if err := scripts.Requeue.Run(ctx, c.q.client, []string{c.inflight, c.pending}, toArgs(tokens)...).Err(); err != nil {
		c.q.log.Warn("could not hand messages back; they return after the recovery window", "topic", c.topic, "error", err)
	}
}

// release hands back everything consumer cid holds. force releases even a
// live lease (used by a consumer for itself).
func (c *consumer) release(ctx context.Context, cid string, force bool) (int, error) {
	f := "0"
	if force {
		f = "1"
	}
	now := c.q.now()
	tomb := now.Add(max(c.lease(), 2*c.o.blockTimeout)).UnixMilli()
	return scripts.Release.Run(ctx, c.q.client,
		[]string{c.consumers, c.pending, keys.Claim(c.topic, cid), keys.Inflight(c.topic, cid)},
		cid, now.UnixMilli(), f, tomb).Int()
}

// leaseLoop renews this consumer's lease every 2/5 of it, so one renewal
// may fail or come late without losing the lease, and at every other
// renewal recovers the entries of consumers whose lease ran out. A dead
// consumer's lease ends at most one lease after its last renewal and is
// found at most 2 × 1.1 × 2/5 of a lease later: 0.94 of the recovery window
// in all. Each topic costs Redis 0.75 commands a second for this with the
// default window.
func (c *consumer) leaseLoop(ctx context.Context) {
	every := c.lease() * 2 / 5
	for i := 0; ; i++ {
		c.heartbeat(ctx)
		if i%2 == 0 {
			c.reap(ctx)
		}
		sleepCtx(ctx, jitter(every))
		if ctx.Err() != nil {
			return
		}
	}
}

// jitter spreads d by ±10%, so consumers started together do not renew and
// reap in lockstep.
func jitter(d time.Duration) time.Duration {
	return d - d/10 + rand.N(d/5+1)
}

func (c *consumer) heartbeat(ctx context.Context) {
	lease := c.q.now().Add(c.lease()).UnixMilli()
	if err := c.q.client.ZAdd(ctx, c.consumers, goredis.Z{Score: float64(lease), Member: c.id}).Err(); err != nil && ctx.Err() == nil {
		c.redisErrs.log("lease renewal failed", err, "topic", c.topic)
	}
}

func (c *consumer) reap(ctx context.Context) {
	expired, err := c.q.client.ZRangeByScore(ctx, c.consumers, &goredis.ZRangeBy{
		Min: "-inf", Max: strconv.FormatInt(c.q.nowMs(), 10), Count: 20,
	}).Result()
	if err != nil {
		return // the heartbeat already reported the outage
	}
	for _, cid := range expired {
		if cid == c.id {
			continue
		}
		n, err := c.release(ctx, cid, false)
		if err != nil {
			return
		}
		if n > 0 {
			c.q.log.Warn("recovered in-flight messages of a dead consumer", "topic", c.topic, "consumer", cid, "count", n)
		}
	}
}

// scheduleLoop promotes delayed entries when they fall due. It sleeps until
// the earliest due time it knows of, and is woken early when an earlier
// entry is published (locally or, via pub/sub, by another process).
func (c *consumer) scheduleLoop(ctx context.Context, wake <-chan struct{}) {
	const idleCheck = 5 * time.Second
	const batch = 1000
	for {
		wait := idleCheck
		res, err := scripts.Promote.Run(ctx, c.q.client, []string{c.delayed, c.pending}, c.q.nowMs(), batch).Int64Slice()
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			c.redisErrs.log("promoting delayed messages failed", err, "topic", c.topic)
			wait = time.Second
		} else if res[0] == batch {
			continue
		} else if res[1] >= 0 {
			wait = min(wait, time.Duration(res[1]-c.q.nowMs())*time.Millisecond)
		}
		if wait <= 0 {
			continue
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-wake:
		case <-t.C:
		}
		t.Stop()
	}
}

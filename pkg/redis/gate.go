package redis

import (
	"context"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/jonboulle/clockwork"
	goredis "github.com/redis/go-redis/v9"

	"goweb/pkg/redis/internal/keys"
	"goweb/pkg/redis/internal/scripts"
)

// The statuses fetch.lua returns when it took nothing because of flow
// control.
const (
	fetchPaused = "paused"
	fetchRate   = "rate"
	fetchSlots  = "slots"
)

// gate is a consumer's flow control. It gives the fetch script the topic's
// limits; makes the fetcher wait for what the script said was missing (the
// end of a pause, a rate limit token, a concurrency slot); and, through its
// watcher (a goroutine only while it has work), learns of a pause from the
// flow channel at once, so the runner stops starting prefetched messages
// and they are handed back.
//
// A topic without limits pays nothing for it while it runs: the script
// checks the pause flag in the same call, and the watcher only reads Redis
// when a pause or resume of its topic is announced.
type gate struct {
	client  goredis.UniversalClient
	clock   clockwork.Clock
	wake    *wakeHub
	keys    keys.TopicKeys
	cid     string
	errs    *throttle
	rate    *RateLimit // nil: none
	slots   int        // 0: none
	observe func(Wait) // nil: none
	// slotRecheck bounds a wait for a slot whose announcement was lost.
	slotRecheck time.Duration
	// scriptKeys and scriptArgs are fetch.lua's KEYS[5..7] and ARGV[5..7],
	// built once: the limits do not change while the consumer runs.
	scriptKeys []string
	scriptArgs []interface{}

	paused   atomic.Bool           // the runner hands deliveries back instead of starting them
	resumed  chan struct{}         // the pause may have ended: fetch again (buffered 1)
	stale    atomic.Bool           // the pause state changed, or announcements may have been lost
	watcher  onDemand              // runs watch
	ctx      context.Context       // watch's, set by join
	freed    <-chan struct{}       // concurrency slots were freed
	flush    func(context.Context) // returns handed-back deliveries to the queue
	stopping func() bool           // the consumer is shutting down
}

func newGate(q *RedisQueue, k keys.TopicKeys, cid string, o *subscribeOptions, errs *throttle) *gate {
	g := &gate{
		client: q.client, clock: q.clock, wake: q.wake, keys: k, cid: cid, errs: errs,
		rate: o.flow.rateLimit, slots: max(o.flow.globalConcurrency, 0), observe: o.flow.waitObserver,
		slotRecheck: o.recoveryWindow / 2,
		resumed:     make(chan struct{}, 1),
	}
	interval, burst := "0", 0
	if g.rate != nil {
		interval = strconv.FormatFloat(g.rate.intervalMicros(), 'f', -1, 64)
		burst = g.rate.burst()
	}
	g.scriptKeys = []string{k.Paused(), k.Rate(), k.Slots()}
	g.scriptArgs = []interface{}{interval, burst, g.slots}
	return g
}

// limited tells whether a rate or concurrency limit may make a fetch take
// fewer entries than it asked for while more are queued.
func (g *gate) limited() bool { return g.rate != nil || g.slots > 0 }

// fetchKeys are the script's KEYS[5..7].
func (g *gate) fetchKeys() []string { return g.scriptKeys }

// fetchArgs are the script's ARGV[5..7].
func (g *gate) fetchArgs() []interface{} { return g.scriptArgs }

// join registers the gate's waits with the wake hub, and starts watching
// the topic's pause state (watch) on ctx; leave must be called when the
// consumer stops, after stop.
func (g *gate) join(ctx context.Context) (leave func()) {
	g.ctx = ctx
	g.watcher.pass = g.watch
	leaveState := g.wake.joinFlowCall(keys.FlowState, g.keys.Topic(), func() {
		g.stale.Store(true)
		g.watcher.kick()
	})
	leaveFreed := func() {}
	if g.slots > 0 {
		g.freed, leaveFreed = g.wake.joinFlow(keys.FlowSlots, g.keys.Topic())
	}
	return func() { leaveState(); leaveFreed(); g.stop() }
}

// stop waits for a running watch to return; ctx, which join was given,
// is cancelled first.
func (g *gate) stop() { g.watcher.close() }

// watch runs on a goroutine of its own (watcher) when the topic's pause
// state may have changed (each announcement, and each reconnection of the
// pub/sub connection, which may have lost one): then it reads the flag.
// And, until the consumer stops, it returns to the queue what the runner
// handed back.
func (g *gate) watch() {
	ctx := g.ctx
	if ctx.Err() != nil {
		return
	}
	if g.stale.Swap(false) {
		n, err := g.client.Exists(ctx, g.keys.Paused()).Result()
		if err != nil {
			if ctx.Err() == nil {
				g.errs.log("reading the pause flag failed", err, "topic", g.keys.Topic())
			}
			return // the fetch script checks the flag anyway
		}
		g.paused.Store(n == 1)
		signal(g.resumed)
	}
	// Not only while paused: the runner may have read the flag just
	// before a resume cleared it. At shutdown the consumer hands back
	// everything itself, oldest first.
	if !g.stopping() {
		g.flush(ctx)
	}
}

// handedBack tells the watcher that the runner handed deliveries back.
func (g *gate) handedBack() { g.watcher.kick() }

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// hold waits for what fetch.lua said was missing, then returns so the
// fetcher fetches again: the script, not this wait, decides.
func (g *gate) hold(ctx context.Context, status string, waitMs int64) {
	start := g.clock.Now()
	var reason WaitReason
	switch status {
	case fetchPaused:
		reason = WaitPaused
		if !g.paused.Swap(true) {
			g.handedBack() // flush what the runner already handed back
		}
		// A pause may last hours: report the wait so far every
		// pauseReport, so that what observes it (a rate of waited
		// seconds) sees the pause while it lasts, not only once it ends.
		tick := g.clock.NewTicker(pauseReport)
		defer tick.Stop()
		for waiting := true; waiting; {
			select {
			case <-ctx.Done():
				waiting = false
			case <-g.resumed:
				waiting = false
			case <-tick.Chan():
				start = g.report(reason, start)
			}
		}
	case fetchRate:
		reason = WaitRateLimit
		// Real time, not g.clock: the script measured the wait on Redis's
		// clock.
		t := time.NewTimer(time.Duration(waitMs) * time.Millisecond)
		defer t.Stop()
		select {
		case <-ctx.Done():
		case <-t.C:
		}
	case fetchSlots:
		reason = WaitConcurrency
		t := g.clock.NewTimer(g.slotRecheck)
		defer t.Stop()
		select {
		case <-ctx.Done():
		case <-g.freed:
		case <-t.Chan():
		}
	default:
		return
	}
	g.report(reason, start)
}

// pauseReport is how often a wait for the end of a pause is reported.
const pauseReport = time.Second

// report tells the wait observer of the wait for reason since start, and
// returns now, where the next report of the same wait starts.
func (g *gate) report(reason WaitReason, start time.Time) time.Time {
	now := g.clock.Now()
	if g.observe != nil {
		g.observe(Wait{Topic: g.keys.Topic(), Reason: reason, Duration: now.Sub(start)})
	}
	return now
}

// settled updates this consumer's count of concurrency slots after it
// settled entries, and announces freed slots when a consumer waits for one.
func (g *gate) settled() {
	if g.slots == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	waiting, err := scripts.Slots.Run(ctx, g.client, []string{g.keys.Inflight(g.cid), g.keys.Slots()}, g.cid).Int()
	if err != nil {
		// The count is corrected by this consumer's next settle or fetch,
		// or freed with its lease.
		g.errs.log("updating concurrency slots failed", err, "topic", g.keys.Topic())
		return
	}
	if waiting == 1 {
		g.announceFreed(ctx)
	}
}

// released announces the slots release.lua freed with a consumer.
func (g *gate) released(ctx context.Context) {
	if g.slots > 0 {
		g.announceFreed(ctx)
	}
}

// announceFreed wakes the consumers waiting for a slot of the topic.
func (g *gate) announceFreed(ctx context.Context) {
	if err := g.wake.announceFlow(ctx, keys.FlowSlots, g.keys.Topic()); err != nil {
		g.errs.log("announcing freed concurrency slots failed", err, "topic", g.keys.Topic())
	}
}

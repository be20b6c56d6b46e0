package redis_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"goweb/pkg/redis"
	"goweb/pkg/redis/internal/keys"
	"goweb/pkg/redis/redistest"
)

// chaos publishes to and consumes from a few topics continuously while a
// test kills a Redis master, and accounts for every message: what was
// acknowledged to the publisher, what the handlers saw, and when each side
// recovered. Publisher and consumer use separate managers, as separate
// processes would.
type chaos struct {
	t        *testing.T
	ctx      context.Context
	pub, sub *redis.Manager
	topics   []string
	tallies  map[string]*tally

	killedAt  atomic.Int64 // unix ns, 0 before the kill
	stopPub   chan struct{}
	pubWG     sync.WaitGroup
	stopSub   context.CancelFunc
	subErrs   chan error
	subscribe int // consumers' WithConcurrency
}

// tally is one topic's account. Messages carry a sequence number n.
type tally struct {
	mu        sync.Mutex
	acked     map[int]bool // Publish returned nil
	failed    map[int]bool // Publish returned an error
	seen      map[int]int  // times a handler saw n
	lastSeen  time.Time
	pubErrs   int
	lastErr   error
	firstPub  time.Time // first acknowledged publish started after the kill
	firstCons time.Time // first consumption of a message published after the kill
}

const chaosConcurrency = 4

func startChaos(t *testing.T, ctx context.Context, pub, sub *redis.Manager, topics []string) *chaos {
	t.Helper()
	c := &chaos{
		t: t, ctx: ctx, pub: pub, sub: sub, topics: topics, tallies: map[string]*tally{},
		stopPub: make(chan struct{}), subErrs: make(chan error, len(topics)), subscribe: chaosConcurrency,
	}
	for _, topic := range topics {
		c.tallies[topic] = &tally{acked: map[int]bool{}, failed: map[int]bool{}, seen: map[int]int{}}
	}
	sctx, cancel := context.WithCancel(ctx)
	c.stopSub = cancel
	for _, topic := range topics {
		tl := c.tallies[topic]
		go func() {
			c.subErrs <- sub.GetQueue().Subscribe(sctx, topic, func(_ context.Context, m *redis.Message) error {
				c.consumed(tl, m)
				return nil
			}, redis.WithConcurrency(c.subscribe))
		}()
		c.pubWG.Add(1)
		go func() { defer c.pubWG.Done(); c.publish(topic, tl) }()
	}
	t.Cleanup(func() { c.stopPublishers(); c.stopConsumers() })
	return c
}

func (c *chaos) killed() time.Time {
	if ns := c.killedAt.Load(); ns != 0 {
		return time.Unix(0, ns)
	}
	return time.Time{}
}

// publish sends one message per millisecond until stopped.
func (c *chaos) publish(topic string, tl *tally) {
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	q := c.pub.GetQueue()
	for n := 0; ; n++ {
		select {
		case <-c.stopPub:
			return
		case <-tick.C:
		}
		start := time.Now()
		ctx, cancel := context.WithTimeout(c.ctx, 2*time.Second)
		err := q.Publish(ctx, topic, map[string]interface{}{"n": n})
		cancel()
		k := c.killed()
		tl.mu.Lock()
		if err == nil {
			tl.acked[n] = true
			if !k.IsZero() && start.After(k) && tl.firstPub.IsZero() {
				tl.firstPub = time.Now()
			}
		} else {
			tl.failed[n] = true
			tl.pubErrs++
			tl.lastErr = err
		}
		tl.mu.Unlock()
	}
}

func (c *chaos) consumed(tl *tally, m *redis.Message) {
	n64, _ := m.Data["n"].(json.Number).Int64()
	n := int(n64)
	k := c.killed()
	tl.mu.Lock()
	defer tl.mu.Unlock()
	tl.seen[n]++
	tl.lastSeen = time.Now()
	if !k.IsZero() && m.PublishedAt.After(k) && tl.firstCons.IsZero() {
		tl.firstCons = time.Now()
	}
}

// warm waits until every topic has had n messages consumed.
func (c *chaos) warm(n int) {
	c.t.Helper()
	for _, topic := range c.topics {
		tl := c.tallies[topic]
		eventually(c.t, 30*time.Second, "warm-up on "+topic, func() bool {
			tl.mu.Lock()
			defer tl.mu.Unlock()
			return len(tl.seen) >= n
		})
	}
}

// seen returns how many distinct messages of topic were consumed.
func (c *chaos) seen(topic string) int {
	tl := c.tallies[topic]
	tl.mu.Lock()
	defer tl.mu.Unlock()
	return len(tl.seen)
}

// kill runs kill, which returns once the process is dead, and records the
// time: from then on nothing can succeed on the old master.
func (c *chaos) kill(kill func()) {
	kill()
	c.killedAt.Store(time.Now().UnixNano())
}

// recovered waits until topic's publisher has an acknowledged publish and
// its consumer has handled a message, both started after the kill, and
// returns how long after the kill each happened.
func (c *chaos) recovered(topic string, within time.Duration) (pub, cons time.Duration) {
	c.t.Helper()
	tl := c.tallies[topic]
	k := c.killed()
	var pubOK, consOK bool
	var lastErr error
	if !redistest.WaitUntil(within-time.Since(k), func() bool {
		tl.mu.Lock()
		defer tl.mu.Unlock()
		pubOK, consOK, lastErr = !tl.firstPub.IsZero(), !tl.firstCons.IsZero(), tl.lastErr
		return pubOK && consOK
	}) {
		c.t.Fatalf("%v after the kill, topic %s has not recovered: publishing resumed %v (last error: %v), consuming resumed %v",
			within, topic, pubOK, lastErr, consOK)
	}
	tl.mu.Lock()
	defer tl.mu.Unlock()
	return tl.firstPub.Sub(k), tl.firstCons.Sub(k)
}

func (c *chaos) stopPublishers() {
	select {
	case <-c.stopPub:
	default:
		close(c.stopPub)
	}
	c.pubWG.Wait()
}

func (c *chaos) stopConsumers() {
	if c.stopSub == nil {
		return
	}
	c.stopSub()
	c.stopSub = nil
	for range c.topics {
		if err := <-c.subErrs; err != nil {
			c.t.Errorf("Subscribe: %v", err)
		}
	}
}

// outcome is one topic's account after the run.
type outcome struct {
	acked, pubErrs, lost, dups, returned, unackedDelivered int
}

func (o outcome) String() string {
	return fmt.Sprintf("acked %d, publish errors %d, lost %d, duplicates %d, handed back at shutdown %d, delivered though Publish failed %d",
		o.acked, o.pubErrs, o.lost, o.dups, o.returned, o.unackedDelivered)
}

// finish stops the publishers, lets the consumers drain the backlog, stops
// them and settles the account per topic. Entries a consumer still held
// when it stopped (in flight on a master whose acknowledgements were lost
// in the failover) are handed back to the pending list; they count as
// neither lost nor seen.
func (c *chaos) finish(drain time.Duration) map[string]outcome {
	c.t.Helper()
	c.stopPublishers()
	insp := c.sub.Inspector()
	eventually(c.t, drain, "consumers to drain the backlog", func() bool {
		for _, topic := range c.topics {
			s, err := insp.Stats(c.ctx, topic)
			if err != nil || s.Pending > 0 || s.Delayed > 0 {
				return false
			}
			tl := c.tallies[topic]
			tl.mu.Lock()
			quiet := time.Since(tl.lastSeen) > 300*time.Millisecond
			tl.mu.Unlock()
			if !quiet {
				return false
			}
		}
		return true
	})
	c.stopConsumers()
	out := map[string]outcome{}
	for _, topic := range c.topics {
		returned := map[int]bool{}
		entries, err := c.sub.Client().LRange(c.ctx, keys.For(topic).Pending(), 0, -1).Result()
		if err != nil {
			c.t.Fatal(err)
		}
		for _, e := range entries {
			var env struct {
				Data struct{ N int } `json:"data"`
			}
			if err := json.Unmarshal([]byte(e), &env); err != nil {
				c.t.Fatalf("leftover entry %q: %v", e, err)
			}
			returned[env.Data.N] = true
		}
		tl := c.tallies[topic]
		tl.mu.Lock()
		o := outcome{acked: len(tl.acked), pubErrs: tl.pubErrs, returned: len(returned)}
		for n := range tl.acked {
			if tl.seen[n] == 0 && !returned[n] {
				o.lost++
			}
		}
		for n, k := range tl.seen {
			if k > 1 {
				o.dups += k - 1
			}
			if returned[n] {
				o.dups++
			}
			if tl.failed[n] {
				o.unackedDelivered++
			}
		}
		tl.mu.Unlock()
		out[topic] = o
	}
	return out
}

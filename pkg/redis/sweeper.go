package redis

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"goweb/pkg/redis/internal/keys"
)

// sweepEvery is how often the sweeper looks at the idle topics' queues:
// the pickup latency of an entry another process pushed (a plain LPUSH
// from another language included), and 1/sweepEvery commands a second
// per 1,000 idle topics.
const sweepEvery = 50 * time.Millisecond

// sweepFanout is how many parts a group of queues with an entry is split
// into to find which ones have it: about 2 × sweepFanout commands per
// level, log(topics)/log(sweepFanout) levels.
const sweepFanout = 32

// sweepMax bounds the keys of one EXISTS, so one command never holds Redis
// long.
const sweepMax = 1000

// sweeper waits for work on many topics at once, for the consumers on the
// shared path: instead of a blocking connection each, a drained consumer
// waits on the sweeper, which every sweepEvery counts the non-empty queues
// among the waiting topics' with one EXISTS, and wakes the consumers of
// the ones that have entries. Entries published by this process wake their
// consumers at once (poke); so do entries published with the library by
// other processes, which announce on the topic's push channel a push that
// made its queue non-empty (announcePushes): one pub/sub connection
// listens to the channels of every topic waited for since the sweeper
// started. The sweep remains for the rest: a plain LPUSH from another
// language, an announcement lost while that connection was down.
type sweeper struct {
	client goredis.UniversalClient

	mu      sync.Mutex
	waiting map[string]map[*sweepWaiter]struct{} // by topic; topics with no waiter are deleted
	heard   map[string]bool                      // topics announced while none of their consumers waited
	heeded  map[string]bool                      // topics whose push channel is listened to, or is to be at the next sweep
	unheard []string                             // of those, the ones not listened to yet
	// waiters counts the waiters in waiting, so that poke, called by
	// every publish, takes no lock while nobody waits (the per-topic path).
	waiters atomic.Int64
	// pushOnly keeps the sweeper from looking at the queues: only pokes
	// and push announcements wake consumers. Tests set it (export_test.go)
	// to prove an announcement alone wakes a consumer in another process.
	pushOnly atomic.Bool
}

func newSweeper(client goredis.UniversalClient) *sweeper {
	return &sweeper{client: client, waiting: map[string]map[*sweepWaiter]struct{}{},
		heard: map[string]bool{}, heeded: map[string]bool{}}
}

// await calls fn once topic may have an entry, from the sweeper, the
// push listener or a local publish, or at once when the topic was
// announced since the consumer last looked; fn must not block
// (onDemand.kick). The sweeper runs while the shared path is on; a
// consumer waits here only then, parked without a goroutine. cancel
// forgets fn if it was not called yet.
func (s *sweeper) await(topic string, fn func()) (cancel func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.heeded[topic] {
		s.heeded[topic] = true
		s.unheard = append(s.unheard, topic)
	}
	if s.heard[topic] {
		// Announced between this consumer's last fetch and now.
		delete(s.heard, topic)
		fn()
		return func() {}
	}
	w := &sweepWaiter{fn: fn}
	if s.waiting[topic] == nil {
		s.waiting[topic] = map[*sweepWaiter]struct{}{}
	}
	s.waiting[topic][w] = struct{}{}
	s.waiters.Add(1)
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if _, ok := s.waiting[topic][w]; ok {
			s.forget(topic, w)
		}
	}
}

// sweepWaiter is one consumer parked in await.
type sweepWaiter struct{ fn func() }

// forget removes w, a waiter of topic; s.mu is held.
func (s *sweeper) forget(topic string, w *sweepWaiter) {
	delete(s.waiting[topic], w)
	s.waiters.Add(-1)
	if len(s.waiting[topic]) == 0 {
		delete(s.waiting, topic)
	}
}

// wake calls the waiters of topic, once each; s.mu is held.
func (s *sweeper) wake(topic string) {
	for w := range s.waiting[topic] {
		s.forget(topic, w)
		w.fn()
	}
}

// poke wakes the consumers waiting for topic: this process pushed to it.
func (s *sweeper) poke(topic string) {
	if s.waiters.Load() == 0 {
		return // a consumer that starts waiting now finds the entry at the next sweep
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.wake(topic)
}

// heardOf wakes the consumers waiting for topic, announced by another
// process; with none waiting, the next one to wait fetches at once.
func (s *sweeper) heardOf(topic string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.waiting[topic]) == 0 {
		s.heard[topic] = true
		return
	}
	s.wake(topic)
}

// run sweeps until ctx ends, and listens to the push channels meanwhile.
// The pace is real time, like a blocking command's wait in Redis: it
// bounds pickup latency, not queue logic.
func (s *sweeper) run(ctx context.Context) {
	ps := s.client.Subscribe(ctx)
	done := make(chan struct{})
	go s.listen(ps, done)
	defer func() {
		_ = ps.Close()
		<-done
		s.mu.Lock()
		s.heard, s.heeded, s.unheard = map[string]bool{}, map[string]bool{}, nil
		s.mu.Unlock()
	}()
	t := time.NewTicker(sweepEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		s.heed(ctx, ps)
		if !s.pushOnly.Load() {
			s.sweep(ctx)
		}
	}
}

// heed listens to the push channels of the topics first waited for since
// the last sweep, in one SUBSCRIBE; after an error, at the next sweep.
func (s *sweeper) heed(ctx context.Context, ps *goredis.PubSub) {
	s.mu.Lock()
	topics := s.unheard
	s.unheard = nil
	s.mu.Unlock()
	if len(topics) == 0 {
		return
	}
	channels := make([]string, len(topics))
	for i, t := range topics {
		channels[i] = keys.PushChannel(t)
	}
	if ps.Subscribe(ctx, channels...) != nil {
		s.mu.Lock()
		s.unheard = append(s.unheard, topics...)
		s.mu.Unlock()
	}
}

// listen wakes the consumers of the topics announced on ps until ps is
// closed. go-redis subscribes again by itself after a reconnection; what
// was announced meanwhile the sweep finds.
func (s *sweeper) listen(ps *goredis.PubSub, done chan struct{}) {
	defer close(done)
	for {
		msg, err := ps.Receive(context.Background())
		if errors.Is(err, goredis.ErrClosed) {
			return
		}
		if err != nil {
			time.Sleep(200 * time.Millisecond) // real time: a reconnect pause, not queue logic
			continue
		}
		if m, ok := msg.(*goredis.Message); ok {
			if topic, ok := keys.PushTopic(m.Channel); ok {
				s.heardOf(topic)
			}
		}
	}
}

// sweep wakes the waiting consumers of every topic whose queue has an
// entry. On error it wakes none: the next sweep looks again.
func (s *sweeper) sweep(ctx context.Context) {
	s.mu.Lock()
	topics := make([]string, 0, len(s.waiting))
	for t := range s.waiting {
		topics = append(topics, t)
	}
	s.mu.Unlock()
	if len(topics) == 0 {
		return
	}
	found, err := s.find(ctx, topics)
	if err != nil {
		return
	}
	for _, t := range found {
		s.poke(t)
	}
}

// find returns the topics whose queue has an entry: one EXISTS per
// sweepMax topics, then, for the groups that had some, one per
// sweepFanout part of them, down to single queues.
func (s *sweeper) find(ctx context.Context, topics []string) ([]string, error) {
	groups := split(topics, sweepMax)
	if len(topics) <= sweepFanout {
		groups = split(topics, 1)
	}
	var found []string
	for len(groups) > 0 {
		pipe := s.client.Pipeline()
		counts := make([]*goredis.IntCmd, len(groups))
		for i, g := range groups {
			ks := make([]string, len(g))
			for j, t := range g {
				ks[j] = keys.Pending(t)
			}
			counts[i] = pipe.Exists(ctx, ks...)
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return nil, err
		}
		var next [][]string
		for i, g := range groups {
			switch n := counts[i].Val(); {
			case n == 0:
			case n == int64(len(g)):
				found = append(found, g...)
			default:
				next = append(next, split(g, max(1, (len(g)+sweepFanout-1)/sweepFanout))...)
			}
		}
		groups = next
	}
	return found, nil
}

// split cuts ts into parts of at most n.
func split(ts []string, n int) [][]string {
	var parts [][]string
	for len(ts) > n {
		parts = append(parts, ts[:n])
		ts = ts[n:]
	}
	if len(ts) > 0 {
		parts = append(parts, ts)
	}
	return parts
}

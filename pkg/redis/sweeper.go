package redis

import (
	"context"
	"sync"
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
// consumers at once (poke).
type sweeper struct {
	client goredis.UniversalClient

	mu      sync.Mutex
	waiting map[string]map[chan struct{}]struct{} // by topic; topics with no waiter are deleted
}

func newSweeper(client goredis.UniversalClient) *sweeper {
	return &sweeper{client: client, waiting: map[string]map[chan struct{}]struct{}{}}
}

// wait blocks until topic may have an entry (true) or ctx ends (false).
// The sweeper runs while the shared path is on; a consumer waits here
// only then.
func (s *sweeper) wait(ctx context.Context, topic string) bool {
	ch := make(chan struct{}, 1)
	s.mu.Lock()
	if s.waiting[topic] == nil {
		s.waiting[topic] = map[chan struct{}]struct{}{}
	}
	s.waiting[topic][ch] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.waiting[topic], ch)
		if len(s.waiting[topic]) == 0 {
			delete(s.waiting, topic)
		}
		s.mu.Unlock()
	}()
	select {
	case <-ch:
		return true
	case <-ctx.Done():
		return false
	}
}

// poke wakes the consumers waiting for topic: this process pushed to it.
func (s *sweeper) poke(topic string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	wakeAll(s.waiting[topic])
}

// run sweeps until ctx ends. The pace is real time, like a blocking
// command's wait in Redis: it bounds pickup latency, not queue logic.
func (s *sweeper) run(ctx context.Context) {
	t := time.NewTicker(sweepEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		s.sweep(ctx)
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

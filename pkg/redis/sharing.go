package redis

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// DefaultSharedFetchAbove is the number of consumers a queue runs on the
// per-topic fetch path: the bound, so the shared path is opt-in; see
// WithSharedFetchAbove.
const DefaultSharedFetchAbove = maxSharedFetchAbove

// maxSharedFetchAbove bounds WithSharedFetchAbove.
const maxSharedFetchAbove = 100_000

// sharing chooses between the two fetch paths of a queue and runs the
// shared one. With few consumers each has its own blocking connection and
// lease (consumer.go): the fastest pickup. Once more than above consumers
// run, every consumer of the queue moves to the shared path for good
// (until all have stopped): one lease for the process (procLeaser) and
// one sweeper that watches the idle topics' queues for all of them, so an
// idle topic costs no connection and next to no commands.
//
// A cluster keeps the per-topic path: the sweeper's one EXISTS over many
// queues needs them in one slot.
type sharing struct {
	above   int
	allowed bool // false on a cluster
	sweeper *sweeper
	leaser  *procLeaser

	on    atomic.Bool   // consumers use the shared path
	calls chan struct{} // bounds the fetches and promotions running at once

	mu      sync.Mutex
	running int                // consumers running
	stop    context.CancelFunc // stops the loops; nil while they are not running
	done    sync.WaitGroup
}

func newSharing(q *RedisQueue, above int) *sharing {
	_, cluster := q.client.(*goredis.ClusterClient)
	return &sharing{
		above: above, allowed: !cluster,
		sweeper: newSweeper(q.client),
		leaser:  newProcLeaser(q),
		calls:   make(chan struct{}, sharedCalls),
	}
}

// sharedCalls is how many fetch and promote scripts the consumers on the
// shared path run at once: a thousand topics waking together share a few
// pooled connections instead of growing the pool to its limit, and Redis
// runs one script at a time anyway.
const sharedCalls = 8

// limit waits for a turn to run a fetch or promote script on the shared
// path and returns the function that ends it; on the per-topic path it
// returns at once. ok is false when ctx ended first.
func (s *sharing) limit(ctx context.Context) (done func(), ok bool) {
	if !s.active() {
		return func() {}, true
	}
	select {
	case s.calls <- struct{}{}:
		return func() { <-s.calls }, true
	case <-ctx.Done():
		return nil, false
	}
}

// active tells whether consumers use the shared path.
func (s *sharing) active() bool { return s.on.Load() }

// started counts a consumer that starts, switches every consumer to the
// shared path once more than above run, and starts its loops then.
func (s *sharing) started() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.running++
	if !s.allowed || s.running <= s.above || s.stop != nil {
		return
	}
	s.on.Store(true)
	ctx, cancel := context.WithCancel(context.Background())
	s.stop = cancel
	s.done.Add(2)
	go func() { defer s.done.Done(); s.sweeper.run(ctx) }()
	go func() { defer s.done.Done(); s.leaser.run(ctx) }()
}

// stopped counts a consumer that stopped; the last one stops the loops
// and puts the queue back on the per-topic path.
func (s *sharing) stopped() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.running--
	if s.running > 0 || s.stop == nil {
		return
	}
	s.stop()
	s.done.Wait()
	s.stop = nil
	s.on.Store(false)
}

// promoteIdle is how often a consumer's promoter looks at a topic with
// nothing delayed, in case a wake-up was lost: promoteIdleCheck on the
// per-topic path; on the shared path slower as topics grow, so that the
// process sends at most sharedPromotes such checks a second.
func (s *sharing) promoteIdle() time.Duration {
	if !s.active() {
		return promoteIdleCheck
	}
	s.mu.Lock()
	n := s.running
	s.mu.Unlock()
	return jitter(max(promoteIdleCheck, time.Duration(n)*time.Second/sharedPromotes))
}

// sharedPromotes bounds the idle promoter checks a second of a process on
// the shared path.
const sharedPromotes = 10

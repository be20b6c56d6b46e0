package redis

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"goweb/pkg/redis/internal/scripts"
)

// DefaultSharedFetchAbove is how many consumers a queue runs on the
// per-topic fetch path before it moves them all to the shared one; see
// WithSharedFetchAbove.
const DefaultSharedFetchAbove = 32

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
// The process lease is kept on the per-topic path too, listing every
// consumer, though each also keeps a lease of its own there: a process
// reaps dead processes, not topics, once it is on the shared path, and it
// must find a dead per-topic process's consumers as well as a shared one's.
//
// A cluster keeps the per-topic path, and no process lease: the sweeper's
// one EXISTS over many queues needs them in one slot.
type sharing struct {
	above   int
	allowed bool // false on a cluster
	client  goredis.UniversalClient
	sweeper *sweeper
	leaser  *procLeaser
	pipe    *scriptPipe // the shared path's script calls; closed with the Manager

	on atomic.Bool // consumers use the shared path

	mu      sync.Mutex
	running int                // consumers running
	loops   context.Context    // the loops' context while any consumer runs
	stop    context.CancelFunc // stops the loops; nil while they are not running
	done    sync.WaitGroup
}

func newSharing(q *RedisQueue, above int) *sharing {
	_, cluster := q.client.(*goredis.ClusterClient)
	return &sharing{
		above: above, allowed: !cluster, client: q.client,
		sweeper: newSweeper(q.client),
		leaser:  newProcLeaser(q),
		pipe:    newScriptPipe(q.client),
	}
}

// sharedCalls is how many release scripts a process reaping a dead
// process runs at once: a thousand topics share a few pooled connections
// instead of growing the pool to its limit, and Redis runs one script at a
// time anyway.
const sharedCalls = 8

// runScript runs a script; sharing.run is the consumers' one.
type runScript func(ctx context.Context, s *scripts.Script, keys []string, args ...interface{}) *goredis.Cmd

// run runs a consumer's fetch, settle or promote script: on the shared
// path in the script pipeline, where the calls of many consumers share
// round trips (see scriptPipe for what ctx bounds there); on the per-topic
// path at once.
func (s *sharing) run(ctx context.Context, script *scripts.Script, keys []string, args ...interface{}) *goredis.Cmd {
	if s.active() {
		return s.pipe.run(ctx, script, keys, args...)
	}
	return script.Run(ctx, s.client, keys, args...)
}

// active tells whether consumers use the shared path.
func (s *sharing) active() bool { return s.on.Load() }

// started counts a consumer that starts, starts the process lease with
// the first one, and switches every consumer to the shared path (starting
// the sweeper) once more than above run.
func (s *sharing) started() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.running++
	if !s.allowed {
		return
	}
	if s.stop == nil {
		s.loops, s.stop = context.WithCancel(context.Background())
		s.done.Add(1)
		go func(ctx context.Context) { defer s.done.Done(); s.leaser.run(ctx) }(s.loops)
	}
	if s.running <= s.above || s.on.Load() {
		return
	}
	s.on.Store(true)
	s.done.Add(1)
	go func(ctx context.Context) { defer s.done.Done(); s.sweeper.run(ctx) }(s.loops)
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
	s.loops, s.stop = nil, nil
	s.on.Store(false)
}

// leased tells whether the queue's consumers are listed under the process
// lease: everywhere but on a cluster.
func (s *sharing) leased() bool { return s.allowed }

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

package worker

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"

	"goweb/pkg/logger"
	"goweb/pkg/redis"
)

// Pool runs one consumer per subscription and reports how many run.
type Pool struct {
	queue  *redis.RedisQueue
	log    logger.Logger
	subs   []Registration
	active atomic.Int64
}

// NewPool returns a Pool that will consume subs from q. Each
// Registration's Options are complete: nothing is added to them.
func NewPool(q *redis.RedisQueue, log logger.Logger, subs []Registration) *Pool {
	return &Pool{queue: q, log: log, subs: slices.Clone(subs)}
}

// Topics returns the topics the pool consumes.
func (p *Pool) Topics() []string {
	out := make([]string, len(p.subs))
	for i, s := range p.subs {
		out[i] = s.Topic
	}
	return out
}

// Active returns how many consumers are running.
func (p *Pool) Active() int { return int(p.active.Load()) }

// Run consumes every topic until ctx is cancelled, then waits until every
// consumer has finished its in-flight messages (within its shutdown
// timeout) and handed back the rest.
func (p *Pool) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for _, s := range p.subs {
		wg.Add(1)
		p.active.Add(1)
		go func() {
			defer wg.Done()
			defer p.active.Add(-1)
			if err := p.queue.Subscribe(ctx, s.Topic, s.Handler, s.Options...); err != nil {
				p.log.Error("consumer failed", err, "topic", s.Topic)
			}
		}()
	}
	wg.Wait()
}

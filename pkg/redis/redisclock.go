package redis

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/jonboulle/clockwork"
	goredis "github.com/redis/go-redis/v9"

	"goweb/pkg/redis/internal/keys"
)

// redisClock tells Redis's time, for every time one process writes to Redis
// and another compares with its own: lease expiries and the reap cutoff,
// the due times of delayed messages and retries, de-duplication expiries,
// dead-letter and publish timestamps, periodic ticks. Processes whose
// clocks disagree (a host 60 s fast, a VM resumed from a pause) then agree
// on those times to within a few milliseconds.
//
// It samples Redis's TIME, taking the midpoint of the round trip, and
// counts from there on the local clock's monotonic reading, not its wall
// time: a jump of the host's clock between samples changes nothing. It
// samples again when the last sample is older than resampleEvery (to follow
// a failover to a node whose clock differs, and the rate drift of the
// local clock: 100 ppm is 3 ms in 30 s), and a reaper samples afresh before
// handing back another consumer's messages. The cost is one TIME per
// resampleEvery per process, whatever the number of topics (up to
// sampleTries when round trips are slow).
//
// Timers and intervals (renewal periods, backoff waits, timeouts) stay on
// the local clock, which tests drive; see clock.go.
type redisClock struct {
	local clockwork.Clock
	// client is nil where tests drive a fake clock (SetClock): local time
	// is then used as is, so advancing the fake clock moves every deadline.
	client goredis.UniversalClient
	anchor atomic.Pointer[anchor]
	// sampling is held (one slot) while a sample is taken; waiting for it
	// ends with the waiter's context, so a publish with a deadline never
	// waits out another goroutine's sample of a frozen Redis.
	sampling chan struct{}
	failed   time.Time // of the last failed sample; guarded by sampling
}

// anchor is one sample: Redis's time and the local clock's at the midpoint
// of the TIME round trip.
type anchor struct {
	redis time.Time
	local time.Time // with its monotonic reading, on the real clock
}

// resampleEvery bounds the age of the sample Now counts from.
const resampleEvery = 30 * time.Second

func newRedisClock(local clockwork.Clock, client goredis.UniversalClient) *redisClock {
	return &redisClock{local: local, client: client, sampling: make(chan struct{}, 1)}
}

// Now is Redis's time as of the last sample, or the local time before any
// sample succeeded (Redis was never reached, so nothing written with it
// was stored either).
func (c *redisClock) Now() time.Time {
	a := c.anchor.Load()
	if a == nil {
		return c.local.Now()
	}
	return a.redis.Add(c.local.Since(a.local))
}

// sync samples TIME when there is no sample yet or the last one is older
// than resampleEvery. Only the first sample makes callers wait; later ones
// are taken by one caller while the others go on with the previous one.
func (c *redisClock) sync(ctx context.Context) {
	if c.client == nil {
		return
	}
	a := c.anchor.Load()
	if a != nil && c.local.Since(a.local) < resampleEvery {
		return
	}
	if a != nil {
		select {
		case c.sampling <- struct{}{}:
		default:
			return
		}
	} else {
		if !c.lock(ctx) {
			return
		}
		// Sampled while we waited, or failed a moment ago: with Redis
		// down, callers waiting here must not each wait out a timeout.
		if c.anchor.Load() != nil || !c.failed.IsZero() && c.local.Since(c.failed) < time.Second {
			<-c.sampling
			return
		}
	}
	defer func() { <-c.sampling }()
	if c.sample(ctx) != nil { // the previous sample stays; the caller's own command reports the outage
		c.failed = c.local.Now()
	}
}

// resample samples TIME now, whatever the age of the last sample.
func (c *redisClock) resample(ctx context.Context) error {
	if c.client == nil {
		return nil
	}
	if !c.lock(ctx) {
		return ctx.Err()
	}
	defer func() { <-c.sampling }()
	return c.sample(ctx)
}

// lock takes the sampling slot, or gives up when ctx ends.
func (c *redisClock) lock(ctx context.Context) bool {
	select {
	case c.sampling <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	}
}

// A sample is off by at most half its round trip, so one that took long
// (a busy machine, a slow network) is taken again, up to sampleTries times,
// and the one with the shortest round trip is kept: every due time and
// lease the process writes until the next sample carries its error.
const (
	sampleTries   = 3
	sampleGoodRTT = time.Millisecond // a round trip this short ends the tries
)

func (c *redisClock) sample(ctx context.Context) error {
	node, err := c.node(ctx)
	if err != nil {
		return err
	}
	var best *anchor
	bestRTT := time.Duration(-1)
	for range sampleTries {
		before := c.local.Now()
		t, err := node.Time(ctx).Result()
		if err != nil {
			if best == nil {
				return err
			}
			break // keep the sample already taken
		}
		rtt := c.local.Since(before)
		if bestRTT < 0 || rtt < bestRTT {
			best, bestRTT = &anchor{redis: t.Add(-rtt / 2), local: before}, rtt
		}
		if rtt < sampleGoodRTT {
			break
		}
	}
	c.anchor.Store(best)
	return nil
}

// node is where TIME goes: on a cluster, the master holding the topic
// registry, so that every process reads the same node's clock.
func (c *redisClock) node(ctx context.Context) (goredis.Cmdable, error) {
	if cc, ok := c.client.(*goredis.ClusterClient); ok {
		return cc.MasterForKey(ctx, keys.Topics)
	}
	return c.client, nil
}

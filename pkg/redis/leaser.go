package redis

import (
	"context"
	"errors"
	"math/rand/v2"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/jonboulle/clockwork"
	goredis "github.com/redis/go-redis/v9"

	"goweb/pkg/logger"
	"goweb/pkg/redis/internal/keys"
	"goweb/pkg/redis/internal/scripts"
)

// leaser keeps a consumer's lease alive and recovers the entries of
// consumers whose lease ran out.
type leaser struct {
	client       goredis.UniversalClient
	clock        clockwork.Clock // renewal intervals
	rclock       *redisClock     // lease expiries and the reap cutoff
	log          logger.Logger
	keys         keys.TopicKeys
	cid          string
	lease        time.Duration // how long one renewal keeps the consumer alive
	blockTimeout time.Duration
	errs         *throttle
	gate         *gate
	sharing      *sharing

	listed atomic.Bool // listed under the process's lease (procLeaser)
	shared atomic.Bool // on the shared path: the process's lease stands for this one, which has stopped
}

// run renews the lease every 2/5 of it, so one renewal may fail or come
// late without losing the lease, and at every other renewal recovers the
// entries of consumers whose lease ran out. A dead consumer's lease ends at
// most one lease after its last renewal and is found at most 2 × 1.1 × 2/5
// of a lease later: 0.94 of the recovery window in all. Each topic costs
// Redis 0.75 round trips a second for this with the default window.
func (l *leaser) run(ctx context.Context) {
	every := l.lease * 2 / 5
	for i := 0; ; i++ {
		if l.shareLease(ctx) {
			return
		}
		l.heartbeat(ctx, i%5 == 0)
		if i%2 == 0 {
			l.reap(ctx)
		}
		sleepCtx(ctx, l.clock, jitter(every))
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

// heartbeat renews the lease and, when register is set (every fifth
// renewal, so about once per recovery window), lists the topic in the
// registry again: a Redis that lost its data (restarted without
// persistence, failed over to an empty replica) lists what runs again
// within the recovery window, for 0.1 commands a second per idle topic
// instead of 0.5 at every renewal. Where the process lease runs, it lists
// all of the process's topics in one command instead.
func (l *leaser) heartbeat(ctx context.Context, register bool) {
	l.rclock.sync(ctx)
	lease := l.rclock.Now().Add(l.lease).UnixMilli()
	// A plain ZADD while Redis has room, the flagged script only when a full
	// Redis refuses it: the idle cost stays one command per renewal.
	err := l.client.ZAdd(ctx, l.keys.Consumers(), goredis.Z{Score: float64(lease), Member: l.cid}).Err()
	if errors.Is(fullError(err), ErrRedisFull) {
		err = scripts.Lease.Run(ctx, l.client, []string{l.keys.Consumers()}, lease, l.cid).Err()
	}
	if err == nil && register && !l.sharing.leased() {
		// A full Redis refuses this SADD even of a topic already listed;
		// the lease, which runs on a full Redis, is what matters.
		err = l.client.SAdd(ctx, keys.Topics, l.keys.Topic()).Err()
		if errors.Is(fullError(err), ErrRedisFull) {
			err = nil
		}
	}
	if err != nil && ctx.Err() == nil {
		l.errs.log("lease renewal failed", err, "topic", l.keys.Topic())
	}
}

// joinProcess lists the consumer under its process's lease, before its
// first fetch: whichever path the other consumers of its topic are on,
// they find it should the process die. After a failure the process's next
// renewal lists it.
func (l *leaser) joinProcess(ctx context.Context) {
	if !l.sharing.leased() {
		return
	}
	if err := l.sharing.leaser.join(ctx, l.cid, l.keys.Topic(), l.lease); err != nil {
		if ctx.Err() == nil {
			l.errs.log("listing the consumer under the process lease failed", err, "topic", l.keys.Topic())
		}
		return
	}
	l.listed.Store(true)
}

// shareLease leaves the lease to the process once the queue is on the
// shared path and the consumer is listed under it, and reports whether it
// did; until then the consumer keeps its own lease and tries again at its
// next renewal.
func (l *leaser) shareLease(ctx context.Context) bool {
	if l.shared.Load() {
		return true
	}
	if !l.sharing.active() {
		return false
	}
	if !l.listed.Load() {
		l.joinProcess(ctx)
		if !l.listed.Load() {
			return false
		}
	}
	l.shared.Store(true)
	return true
}

// reap hands back the entries of consumers whose lease ran out. Before
// the first one it samples Redis's TIME afresh, and release.lua checks the
// lease again against that time: a stale or wrong sample can make a
// consumer look expired, never make it be reaped.
func (l *leaser) reap(ctx context.Context) {
	expired, err := l.client.ZRangeByScore(ctx, l.keys.Consumers(), &goredis.ZRangeBy{
		Min: "-inf", Max: strconv.FormatInt(l.rclock.Now().UnixMilli(), 10), Count: 20,
	}).Result()
	if err != nil {
		return // the heartbeat already reported the outage
	}
	resampled := false
	for _, cid := range expired {
		if cid == l.cid {
			continue
		}
		if !resampled {
			if l.rclock.resample(ctx) != nil {
				return
			}
			resampled = true
		}
		// A consumer on the shared path is alive while its process's lease
		// is: its entry here is renewed only by its fetches. Its score
		// moves to the process's expiry, so it is not asked again before.
		if alive, until := processAlive(ctx, l.client, cid, l.rclock.Now()); alive {
			_ = l.client.ZAddXX(ctx, l.keys.Consumers(), goredis.Z{Score: until, Member: cid}).Err()
			continue
		}
		n, err := l.reapOther(ctx, cid)
		if err != nil {
			return
		}
		if n > 0 {
			l.log.Warn("recovered in-flight messages of a dead consumer", "topic", l.keys.Topic(), "consumer", cid, "count", n)
		}
		if n >= 0 {
			l.gate.released(ctx)
		}
	}
}

// releaseSelf hands back everything this consumer holds and ends its
// lease, live as it is: the last step of a shutdown.
func (l *leaser) releaseSelf(ctx context.Context) (int, error) {
	return l.release(ctx, l.cid, "1")
}

// reapOther hands back everything consumer cid holds, if its lease has
// still run out when the script runs (it may have renewed meanwhile).
func (l *leaser) reapOther(ctx context.Context, cid string) (int, error) {
	return l.release(ctx, cid, "0")
}

// release runs release.lua; force is its ARGV[3].
func (l *leaser) release(ctx context.Context, cid, force string) (int, error) {
	now := l.rclock.Now()
	tomb := now.Add(max(l.lease, 2*l.blockTimeout)).UnixMilli()
	return scripts.Release.Run(ctx, l.client,
		[]string{l.keys.Consumers(), l.keys.Pending(), l.keys.Claim(cid), l.keys.Inflight(cid), l.keys.Slots()},
		cid, now.UnixMilli(), force, tomb).Int()
}

package redis

import (
	"context"
	"math"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"golang.org/x/sync/errgroup"

	"goweb/pkg/redis/internal/keys"
	"goweb/pkg/redis/internal/scripts"
)

// reap hands back what the consumers of processes whose lease ran out
// held. A process whose consumers held entries stays listed until a
// tombstone expiry, as release.lua keeps such a consumer, and is looked at
// again then: if it was alive after all, an entry it was still taking is
// found too.
func (p *procLeaser) reap(ctx context.Context) {
	dead, err := p.client.ZRangeByScoreWithScores(ctx, keys.Processes, &goredis.ZRangeBy{
		Min: "-inf", Max: strconv.FormatInt(p.q.rclock.Now().UnixMilli(), 10), Count: 20,
	}).Result()
	if err != nil {
		return // the renewal reports the outage
	}
	dead = slices.DeleteFunc(dead, func(z goredis.Z) bool { return z.Member == p.pid })
	if len(dead) == 0 {
		return
	}
	// As leaser.reap: a fresh sample of Redis's TIME before reaping, and
	// release.lua checks each consumer's lease again against it.
	if p.q.rclock.resample(ctx) != nil {
		return
	}
	now := p.q.rclock.Now()
	for _, z := range dead {
		pid := z.Member.(string)
		if err := p.reapProcess(ctx, pid, now, isTombstone(z.Score)); err != nil {
			if ctx.Err() == nil {
				p.errs.log("recovering a dead process's messages failed", err, "process", pid)
			}
			return
		}
	}
}

// A tombstone's score is a lease's (whole milliseconds) plus one half, so
// a renewal, which writes whole milliseconds, clears the mark.
func tombstone(ms int64) float64 { return float64(ms) + 0.5 }

func isTombstone(score float64) bool { return score != math.Trunc(score) }

// reapProcess hands back what pid's consumers held. A process is forgotten
// only when its tombstone ran out with nothing held: the first time its
// lease is found run out it is tombstoned instead, so a process that was
// only late to renew, took messages and then died is still listed, and
// reaped when the tombstone runs out.
//
// A consumer whose own lease in its topic is still valid (a per-topic
// consumer renews it apart from the process lease, a shared one by
// fetching) is not reaped yet: the process is looked at again when the
// first such lease ends, as if found run out for the first time, so the
// recovery window holds for it too.
func (p *procLeaser) reapProcess(ctx context.Context, pid string, now time.Time, tombstoned bool) error {
	consumers, err := p.client.HGetAll(ctx, keys.Process(pid)).Result()
	if err != nil {
		return err
	}
	tomb := now.Add(2 * DefaultRecoveryWindow).UnixMilli()
	var soonest atomic.Int64 // the earliest end of a topic lease still valid; 0: none
	// A few at a time: a process of a thousand topics is handed back in a
	// fraction of the recovery window.
	var held atomic.Bool
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(sharedCalls)
	for cid, topic := range consumers {
		g.Go(func() error {
			k := keys.For(topic)
			n, err := scripts.Release.Run(gctx, p.client,
				[]string{k.Consumers(), k.Pending(), k.Claim(cid), k.Inflight(cid), k.Slots()},
				cid, now.UnixMilli(), "0", tombstone(tomb)).Int()
			if err != nil {
				return err
			}
			if n != 0 {
				held.Store(true) // handed back (and tombstoned), or its topic lease is still valid
			}
			if n < 0 {
				// A valid topic lease, or the tombstone an earlier look
				// left (marked as the process's are): the process is then
				// tombstoned too, not looked at again when that ends.
				until, err := p.client.ZScore(gctx, k.Consumers(), cid).Result()
				switch {
				case err == nil && isTombstone(until):
					held.Store(true)
				case err == nil:
					earliest(&soonest, int64(until))
				}
			}
			if n > 0 {
				p.log.Warn("recovered in-flight messages of a dead process", "topic", topic, "consumer", cid, "count", n)
				p.q.sharing.sweeper.poke(topic)
				// Slots freed with the consumer: wake who waits for one.
				_ = p.wake.announceFlow(gctx, keys.FlowSlots, topic)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	if until := soonest.Load(); until > 0 && until < tomb {
		// Whole milliseconds: not a tombstone, so the next look tombstones.
		return p.client.ZAdd(ctx, keys.Processes, goredis.Z{Score: float64(until), Member: pid}).Err()
	}
	if held.Load() || !tombstoned {
		return p.client.ZAdd(ctx, keys.Processes, goredis.Z{Score: tombstone(tomb), Member: pid}).Err()
	}
	// Nothing left: forget the process. Were it alive after all, its next
	// renewal lists it and its consumers again.
	if err := p.client.Del(ctx, keys.Process(pid)).Err(); err != nil {
		return err
	}
	return p.client.ZRem(ctx, keys.Processes, pid).Err()
}

// earliest lowers *v to ms, or sets it when it is 0.
func earliest(v *atomic.Int64, ms int64) {
	for {
		old := v.Load()
		if old != 0 && old <= ms || v.CompareAndSwap(old, ms) {
			return
		}
	}
}

// processAlive tells whether consumer cid's process holds a valid shared
// lease, and until when.
func processAlive(ctx context.Context, client goredis.UniversalClient, cid string, now time.Time) (bool, float64) {
	pid := processOf(cid)
	if pid == "" {
		return false, 0
	}
	score, err := client.ZScore(ctx, keys.Processes, pid).Result()
	if err != nil {
		return false, 0
	}
	return score > float64(now.UnixMilli()), score
}

package redis

import (
	"context"
	"errors"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"goweb/pkg/redis/internal/keys"
)

// StatsOf returns Stats for each of topics, in order. A topic whose keys
// are broken (ErrWrongType) is listed with its Error set and the others
// keep their counts; any other error (Redis not answering, ctx ending) ends
// it.
//
// It reads statsBatch topics in two pipelined round trips (their counts
// and consumers, then what each consumer holds), so that sorting 5,000
// topics by a count reads them in a few round trips, not 15,000.
func (i *Inspector) StatsOf(ctx context.Context, topics []string) ([]TopicStats, error) {
	for _, t := range topics {
		if err := ValidateTopic(t); err != nil {
			return nil, err
		}
	}
	out := make([]TopicStats, len(topics))
	for start := 0; start < len(topics); start += statsBatch {
		end := min(start+statsBatch, len(topics))
		if _, err := i.statsOf(ctx, topics[start:end], out[start:end]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// statsBatch is how many topics StatsOf reads per pair of round trips.
const statsBatch = 500

// topicReads are one topic's commands in the first round trip.
type topicReads struct {
	pending, delayed, dead, paused *goredis.IntCmd
	counters                       *goredis.MapStringStringCmd
	consumers                      *goredis.ZSliceCmd
	held                           []*goredis.IntCmd // second round trip
	broken                         error             // the first error of the reads above
}

// statsOf fills out with the stats of topics and returns their reads, so
// that a caller can build the consumers' list from them too. A topic whose
// keys are broken gets its Error set, and its read's err says why.
func (i *Inspector) statsOf(ctx context.Context, topics []string, out []TopicStats) ([]topicReads, error) {
	reads := make([]topicReads, len(topics))
	pipe := i.q.client.Pipeline()
	for n, t := range topics {
		reads[n] = topicReads{
			pending: pipe.LLen(ctx, keys.Pending(t)), delayed: pipe.ZCard(ctx, keys.Delayed(t)),
			dead: pipe.ZCard(ctx, keys.Dead(t)), counters: pipe.HGetAll(ctx, keys.Stats(t)),
			paused: pipe.Exists(ctx, keys.Paused(t)), consumers: pipe.ZRangeWithScores(ctx, keys.Consumers(t), 0, -1),
		}
	}
	_, _ = pipe.Exec(ctx) // each command's error is looked at below
	held := i.q.client.Pipeline()
	for n, t := range topics {
		r := &reads[n]
		out[n] = TopicStats{Topic: t}
		if r.broken = r.err(ctx); r.broken != nil {
			if !errors.Is(r.broken, ErrWrongType) {
				return nil, r.broken
			}
			out[n].Error = r.broken.Error()
			continue
		}
		for _, z := range r.consumers.Val() {
			r.held = append(r.held, held.HLen(ctx, keys.Inflight(t, z.Member.(string))))
		}
	}
	if held.Len() > 0 {
		_, _ = held.Exec(ctx)
	}
	for n := range topics {
		r, s := &reads[n], &out[n]
		if s.Error != "" {
			continue
		}
		for _, h := range r.held {
			if err := inspectError(ctx, h.Err()); err != nil && !errors.Is(err, ErrWrongType) {
				return nil, err
			}
			s.InFlight += h.Val()
		}
		c := r.counters.Val()
		s.Pending, s.Delayed, s.Dead = r.pending.Val(), r.delayed.Val(), r.dead.Val()
		s.Consumers, s.Paused = int64(len(r.consumers.Val())), r.paused.Val() == 1
		s.Processed, s.Failed, s.Retried, s.DeadTotal = atoi(c["processed"]), atoi(c["failed"]), atoi(c["retried"]), atoi(c["dead"])
	}
	return reads, nil
}

// consumerInfos lists consumers (their ids scored by lease expiry) with
// what each holds: held[n] is the length of the n-th one's inflight hash.
func consumerInfos(zs []goredis.Z, held []*goredis.IntCmd) []ConsumerInfo {
	out := make([]ConsumerInfo, len(zs))
	for n, z := range zs {
		out[n] = ConsumerInfo{ID: z.Member.(string), LeaseExpiry: time.UnixMilli(int64(z.Score))}
		if n < len(held) {
			out[n].InFlight = held[n].Val()
		}
	}
	return out
}

// err is the first error of the topic's reads, WRONGTYPE as ErrWrongType.
func (r *topicReads) err(ctx context.Context) error {
	for _, cmd := range []goredis.Cmder{r.pending, r.delayed, r.dead, r.counters, r.paused, r.consumers} {
		if err := inspectError(ctx, cmd.Err()); err != nil {
			return err
		}
	}
	return nil
}

package redis

import (
	"context"
	"slices"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"goweb/pkg/redis/internal/keys"
	"goweb/pkg/redis/internal/scripts"
)

// Inspector reads and repairs queue state: counts, consumers, dead letters,
// and the messages that are pending, delayed or in flight. The service's
// metrics, admin API and dashboard all use it. Every call
// touches one topic's slot at a time, so it works on Redis Cluster too.
type Inspector struct {
	q *RedisQueue
}

// Inspector returns an Inspector for the manager's queue.
func (m *Manager) Inspector() *Inspector { return &Inspector{q: m.queue} }

// TopicStats is a snapshot of one topic.
type TopicStats struct {
	Topic     string `json:"topic"`
	Pending   int64  `json:"pending"`   // waiting in mq:<topic>
	Delayed   int64  `json:"delayed"`   // waiting for their due time, including retries
	InFlight  int64  `json:"in_flight"` // taken by consumers, not yet settled
	Dead      int64  `json:"dead"`      // dead letters kept
	Consumers int64  `json:"consumers"` // consumers holding a lease
	Processed int64  `json:"processed"` // handled successfully, all time
	Failed    int64  `json:"failed"`    // failed attempts, all time
	Retried   int64  `json:"retried"`   // retries scheduled, all time
	DeadTotal int64  `json:"dead_total"`
	Paused    bool   `json:"paused"` // see Inspector.Pause
	// Error says why the topic's state could not be read, the counts
	// above then being zero. Only StatsOf and AllStats set it, for a topic
	// whose keys are broken (ErrWrongType) while the others are fine.
	Error string `json:"error,omitempty"`
}

// ConsumerInfo describes one consumer of a topic.
type ConsumerInfo struct {
	ID          string    `json:"id"`
	LeaseExpiry time.Time `json:"lease_expiry"`
	InFlight    int64     `json:"in_flight"`
}

// Topics lists the topics that were ever published to or subscribed, sorted.
func (i *Inspector) Topics(ctx context.Context) ([]string, error) {
	topics, err := i.q.client.SMembers(ctx, keys.Topics).Result()
	if err != nil {
		return nil, inspectError(ctx, err)
	}
	slices.Sort(topics)
	return topics, nil
}

// Consumers lists the consumers of topic and what each holds. It reads
// only the consumers' keys, so that a topic with another broken key (a
// dead-letter set of the wrong type, say) still lists what is in flight.
func (i *Inspector) Consumers(ctx context.Context, topic string) ([]ConsumerInfo, error) {
	if err := ValidateTopic(topic); err != nil {
		return nil, err
	}
	zs, err := i.q.client.ZRangeWithScores(ctx, keys.Consumers(topic), 0, -1).Result()
	if err != nil {
		return nil, inspectError(ctx, err)
	}
	pipe := i.q.client.Pipeline()
	held := make([]*goredis.IntCmd, len(zs))
	for n, z := range zs {
		held[n] = pipe.HLen(ctx, keys.Inflight(topic, z.Member.(string)))
	}
	if len(zs) > 0 {
		if _, err := pipe.Exec(ctx); err != nil {
			return nil, inspectError(ctx, err)
		}
	}
	return consumerInfos(zs, held), nil
}

// Stats returns a snapshot of topic.
func (i *Inspector) Stats(ctx context.Context, topic string) (*TopicStats, error) {
	s, _, err := i.StatsAndConsumers(ctx, topic)
	return s, err
}

// StatsAndConsumers returns Stats and Consumers of topic, in the same two
// round trips.
func (i *Inspector) StatsAndConsumers(ctx context.Context, topic string) (*TopicStats, []ConsumerInfo, error) {
	if err := ValidateTopic(topic); err != nil {
		return nil, nil, err
	}
	out := make([]TopicStats, 1)
	reads, err := i.statsOf(ctx, []string{topic}, out)
	if err != nil {
		return nil, nil, err
	}
	if reads[0].broken != nil {
		return nil, nil, reads[0].broken
	}
	return &out[0], consumerInfos(reads[0].consumers.Val(), reads[0].held), nil
}

func atoi(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

// AllStats returns Stats for every registered topic.
func (i *Inspector) AllStats(ctx context.Context) ([]TopicStats, error) {
	topics, err := i.validTopics(ctx)
	if err != nil {
		return nil, err
	}
	return i.StatsOf(ctx, topics)
}

// validTopics is Topics without the names that are not valid topics:
// someone may have written garbage into the registry.
func (i *Inspector) validTopics(ctx context.Context) ([]string, error) {
	topics, err := i.Topics(ctx)
	return slices.DeleteFunc(topics, func(t string) bool { return ValidateTopic(t) != nil }), err
}

// TrimDead deletes dead letters of topic older than retention.
func (i *Inspector) TrimDead(ctx context.Context, topic string, retention time.Duration) (int64, error) {
	if err := ValidateTopic(topic); err != nil {
		return 0, err
	}
	i.q.rclock.sync(ctx)
	cutoff := i.q.now().Add(-retention).UnixMilli()
	n, err := i.q.client.ZRemRangeByScore(ctx, keys.Dead(topic), "-inf", "("+strconv.FormatInt(cutoff, 10)).Result()
	return n, inspectError(ctx, err)
}

// TrimMarkers deletes expired de-duplication keys and idempotency markers of
// topic and returns how many.
func (i *Inspector) TrimMarkers(ctx context.Context, topic string) (int64, error) {
	if err := ValidateTopic(topic); err != nil {
		return 0, err
	}
	i.q.rclock.sync(ctx)
	now := strconv.FormatInt(i.q.nowMs(), 10)
	n, err := scripts.Trim.Run(ctx, i.q.client, []string{keys.Dedup(topic), keys.Done(topic)}, now).Int64()
	return n, inspectError(ctx, err)
}

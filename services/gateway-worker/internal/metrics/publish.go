package metrics

import (
	"errors"

	"goweb/pkg/redis"
)

// ObservePublish counts one publish call in
// gateway_worker_messages_published_total, by topic and result (ok,
// duplicate, full, not_replicated, error); pass it to (*redis.RedisQueue).ObservePublishes.
func (m *Metrics) ObservePublish(e redis.PublishEvent) {
	result := "ok"
	switch {
	case errors.Is(e.Err, redis.ErrDuplicate):
		result = "duplicate"
	case errors.Is(e.Err, redis.ErrRedisFull):
		result = "full" // refused: Redis is at maxmemory
	case errors.Is(e.Err, redis.ErrNotReplicated):
		result = "not_replicated" // stored, but too few replicas confirmed it
	case e.Err != nil:
		result = "error"
	}
	m.published.WithLabelValues(e.Topic, result).Add(float64(e.Messages))
}

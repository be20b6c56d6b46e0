package metrics

import (
	"context"
	"errors"

	"goweb/pkg/redis"
)

// Publisher publishes messages; *redis.RedisQueue is one.
type Publisher interface {
	Publish(ctx context.Context, topic string, data map[string]interface{}, opts ...redis.PublishOption) error
}

// CountPublishes wraps p so that every publish is counted in
// gateway_worker_messages_published_total.
func (m *Metrics) CountPublishes(p Publisher) Publisher { return countingPublisher{p, m} }

type countingPublisher struct {
	Publisher
	m *Metrics
}

func (c countingPublisher) Publish(ctx context.Context, topic string, data map[string]interface{}, opts ...redis.PublishOption) error {
	err := c.Publisher.Publish(ctx, topic, data, opts...)
	result := "ok"
	switch {
	case errors.Is(err, redis.ErrDuplicate):
		result = "duplicate"
	case err != nil:
		result = "error"
	}
	c.m.published.WithLabelValues(topic, result).Inc()
	return err
}

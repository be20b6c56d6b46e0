package redis_test

import (
	"context"
	"fmt"
	"time"

	"goweb/pkg/logger"
	"goweb/pkg/redis"
)

// PendingKey names the list LLEN counts as a topic's backlog, the one an
// autoscaler watches: published messages are there until a consumer takes
// them; delayed ones join it when due.
func ExamplePendingKey() {
	redisConfig := exampleConfig()
	m := redis.NewManager(&redisConfig, logger.Nop())
	defer m.Close()
	ctx := context.Background()
	topic := "example.backlog"
	defer m.Client().Del(ctx, redis.PendingKey(topic))

	_ = m.GetQueue().Publish(ctx, topic, map[string]interface{}{"n": 1})
	_ = m.GetQueue().Publish(ctx, topic, map[string]interface{}{"n": 2})
	_ = m.GetQueue().PublishWithDelay(ctx, topic, map[string]interface{}{"n": 3}, time.Hour)

	n, err := m.Client().LLen(ctx, redis.PendingKey(topic)).Result()
	fmt.Println(redis.PendingKey(topic), n, err)
	// Output: mq:example.backlog 2 <nil>
}

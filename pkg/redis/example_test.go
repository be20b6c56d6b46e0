package redis_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"goweb/pkg/config"
	"goweb/pkg/logger"
	"goweb/pkg/redis"
)

// exampleConfig points at the test package's private redis-server; in a
// program it comes from config.New().GetRedisConfig().
func exampleConfig() config.RedisConfig {
	host, port, _ := splitHostPort(srv.Addr)
	return config.RedisConfig{Host: host, Port: port}
}

func Example() {
	redisConfig := exampleConfig()
	m := redis.NewManager(&redisConfig, logger.Nop())
	defer m.Close()
	q := m.GetQueue()
	ctx, cancel := context.WithCancel(context.Background())
	topic := "example.orders"

	_ = q.Publish(ctx, topic, map[string]interface{}{"order_id": "12345", "amount": 299.99})

	_ = q.Subscribe(ctx, topic, func(ctx context.Context, msg *redis.Message) error {
		fmt.Println("order", msg.Data["order_id"], "amount", msg.Data["amount"], "attempt", msg.Attempt)
		cancel() // stop after one message
		return nil
	})
	// Output: order 12345 amount 299.99 attempt 1
}

func ExampleRedisQueue_PublishWithDelay() {
	redisConfig := exampleConfig()
	m := redis.NewManager(&redisConfig, logger.Nop())
	defer m.Close()
	q := m.GetQueue()
	ctx, cancel := context.WithCancel(context.Background())
	topic := "example.delayed"

	sent := time.Now()
	_ = q.PublishWithDelay(ctx, topic, map[string]interface{}{"type": "order_timeout"}, 200*time.Millisecond)
	_ = q.Subscribe(ctx, topic, func(ctx context.Context, msg *redis.Message) error {
		fmt.Println(msg.Data["type"], "arrived after its delay:", time.Since(sent) >= 200*time.Millisecond)
		cancel()
		return nil
	})
	// Output: order_timeout arrived after its delay: true
}

func ExampleSkipRetry() {
	redisConfig := exampleConfig()
	m := redis.NewManager(&redisConfig, logger.Nop())
	defer m.Close()
	q := m.GetQueue()
	ctx, cancel := context.WithCancel(context.Background())
	topic := "example.skip"
	_, _ = m.Inspector().PurgeDead(ctx, topic) // from an earlier run

	_ = q.Publish(ctx, topic, map[string]interface{}{"to": ""})
	_ = q.Subscribe(ctx, topic, func(ctx context.Context, msg *redis.Message) error {
		cancel()
		// Retrying cannot fix a missing address: dead-letter it now.
		return redis.SkipRetry(fmt.Errorf("message %s has no recipient", "x"))
	})
	dead, _ := m.Inspector().DeadLetters(context.Background(), topic, 0, 10)
	fmt.Println(len(dead), "dead letter:", dead[0].Reason)
	// Output: 1 dead letter: skip retry: message x has no recipient
}

func ExampleRedisQueue_Periodic() {
	redisConfig := exampleConfig()
	m := redis.NewManager(&redisConfig, logger.Nop())
	defer m.Close()
	q := m.GetQueue()
	ctx, cancel := context.WithCancel(context.Background())
	topic := "example.periodic"

	// Every replica runs the same schedule; each tick is published once.
	go func() { _ = q.Periodic(ctx, "@every 1s", topic, map[string]interface{}{"report": "sales"}) }()

	_ = q.Subscribe(ctx, topic, func(ctx context.Context, msg *redis.Message) error {
		fmt.Println("report", msg.Data["report"], "for tick", strings.HasPrefix(msg.ID, "periodic-"))
		cancel()
		return nil
	})
	// Output: report sales for tick true
}

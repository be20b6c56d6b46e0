package main

import (
	"context"
	"goweb/pkg/config"
	"goweb/pkg/logger"
	"goweb/pkg/redis"
	"time"
)

func main() {
	cfg := config.New()
	log := logger.New("message-sender", cfg.GetString("log.level"))

	// 创建 Redis 管理器
	redisConfig := cfg.GetRedisConfig()
	redisManager := redis.NewManager(&redisConfig, log)

	// 获取消息队列
	queue := redisManager.GetQueue()

	ctx := context.Background()

	// 发送订单提醒消息
	err := queue.Publish(ctx, "order.reminder", map[string]interface{}{
		"order_id": "12345",
		"user_id":  "67890",
		"type":     "payment_reminder",
		"message":  "请及时完成支付",
		"amount":   299.99,
	})

	if err != nil {
		log.Error("发送消息失败", err)
		return
	}

	// 发送延时消息（24小时后）
	err = queue.PublishWithDelay(ctx, "order.reminder", map[string]interface{}{
		"order_id": "12345",
		"user_id":  "67890",
		"type":     "order_timeout",
		"message":  "订单即将超时，请尽快支付",
	}, 24*time.Hour)

	if err != nil {
		log.Error("发送消息失败", err)
		return
	}

	log.Info("消息发送成功")
}

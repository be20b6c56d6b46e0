package main

import (
	"context"
	"goweb/pkg/config"
	"goweb/pkg/logger"
	"goweb/pkg/redis"
	"goweb/services/gateway-worker/internal/service"
)

func main() {
	cfg := config.New()
	log := logger.New("gateway-worker-demo", cfg.GetString("log.level"))

	// 创建 Redis 管理器
	redisConfig := cfg.GetRedisConfig()
	redisManager := redis.NewManager(&redisConfig, log)

	// 创建自定义 Worker 服务
	workerService := service.NewCustomWorkerService(redisManager, log)

	ctx := context.Background()

	// 启动消费者
	if err := workerService.StartCustomConsumers(ctx); err != nil {
		log.Fatal("启动消费者失败", err)
	}

	log.Info("Gateway Worker 启动成功")

	// 保持程序运行
	select {}
}

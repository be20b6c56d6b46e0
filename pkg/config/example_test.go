package config_test

import (
	"fmt"
	"time"

	"goweb/pkg/config"
)

func Example() {
	// In a service this is config.New(), which reads the environment and
	// config.yaml; NewFromMap keeps the example independent of both.
	cfg := config.NewFromMap(map[string]any{
		"log":   map[string]any{"level": "debug"},
		"redis": map[string]any{"host": "redis.internal", "password": "s3cret", "db": "two"},
		"worker": map[string]any{
			"topics": []string{"email.send", "sms.send"},
		},
	})
	cfg.Set("shutdown.timeout", 10*time.Second)

	fmt.Println(cfg.GetString("log.level"))
	fmt.Println(cfg.GetInt("redis.port")) // the default
	fmt.Println(cfg.GetDuration("shutdown.timeout"))
	fmt.Println(cfg.GetStringSlice("worker.topics"))

	redisConfig := cfg.GetRedisConfig()
	fmt.Println(redisConfig.Host, redisConfig.Port, redisConfig.DB, redisConfig.Configured)
	fmt.Println(cfg.Redacted()["redis.password"])

	// The bad redis.db fell back to 0; Validate says why.
	fmt.Println(cfg.Validate())
	// Output:
	// debug
	// 6379
	// 10s
	// [email.send sms.send]
	// redis.internal 6379 0 true
	// xxxxx
	// config: redis.db (REDIS_DB)="two" (from map): not a valid integer
}

func ExampleParseURL() {
	rc, err := config.ParseURL("rediss://app:s3cret@redis.internal:6380/2?dial_timeout=2s")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(rc.Host, rc.Port, rc.DB, rc.TLS, rc.DialTimeout)
	fmt.Println(rc.Redacted().URL)

	_, err = config.ParseURL("http://app:s3cret@redis.internal")
	fmt.Println(err)
	// Output:
	// redis.internal 6380 2 true 2s
	// rediss://app:xxxxx@redis.internal:6380/2?dial_timeout=2s
	// config: redis URL "http://app:xxxxx@redis.internal": invalid URL scheme: http
}

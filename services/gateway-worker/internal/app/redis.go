package app

import (
	"context"
	"net"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"goweb/pkg/config"
	"goweb/pkg/logger"
	"goweb/pkg/redis/embedded"
)

// DefaultLocalRedis is where the worker looks for a Redis when none is
// configured.
const DefaultLocalRedis = config.DefaultRedisAddr

// redisTarget is the Redis the worker will use and, in embedded mode, the
// server it started.
type redisTarget struct {
	cfg      config.RedisConfig
	embedded *embedded.Server // nil unless embedded
}

// chooseRedis applies the embedded default. With REDIS_MODE=embedded it
// starts the embedded server. With no Redis configured at all, it uses a
// Redis answering on localAddr, or else starts the embedded server. A
// configured Redis is used as is, reachable or not: falling back to an
// in-memory server would silently lose messages.
func chooseRedis(ctx context.Context, rc config.RedisConfig, localAddr string, log logger.Logger) (*redisTarget, error) {
	switch {
	case rc.Mode == "embedded":
		return startEmbedded(rc, "REDIS_MODE=embedded", log)
	case rc.Configured:
		return &redisTarget{cfg: rc}, nil
	}
	if err := pingAddr(ctx, localAddr); err == nil {
		host, port := splitHostPort(localAddr)
		rc.Host, rc.Port = host, port
		log.Info("no Redis configured; using the one answering on "+localAddr, "addr", localAddr)
		return &redisTarget{cfg: rc}, nil
	}
	return startEmbedded(rc, "no Redis configured and none answers on "+localAddr, log)
}

func startEmbedded(rc config.RedisConfig, why string, log logger.Logger) (*redisTarget, error) {
	srv, err := embedded.Start(rc.EmbeddedAddr)
	if err != nil {
		return nil, err
	}
	rc.Host, rc.Port, rc.URL = srv.Host(), srv.Port(), ""
	log.Warn("using the EMBEDDED in-memory Redis: single process, not durable, messages are lost on exit; "+
		"set REDIS_HOST or REDIS_URL for production", "reason", why, "addr", srv.Addr())
	return &redisTarget{cfg: rc, embedded: srv}, nil
}

// pingAddr reports whether a Redis answers PING on addr, quickly.
func pingAddr(ctx context.Context, addr string) error {
	c := goredis.NewClient(&goredis.Options{Addr: addr, MaxRetries: -1, DialTimeout: 300 * time.Millisecond, PoolSize: 1})
	defer c.Close()
	ctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	return c.Ping(ctx).Err()
}

func splitHostPort(addr string) (string, int) {
	host, p, _ := net.SplitHostPort(addr)
	port, _ := strconv.Atoi(p)
	return host, port
}

package cli

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"time"

	"goweb/pkg/logger"
	"goweb/pkg/redis"
	"goweb/services/gateway-worker/internal/settings"
)

// pingTimeout bounds the first contact with Redis, so a wrong address
// fails quickly with a message saying where the command looked.
const pingTimeout = 5 * time.Second

// inspector connects to the Redis the server uses and returns its
// Inspector and queue; close releases the connections. With no Redis
// configured that is the address the server's embedded default takes
// (REDIS_EMBEDDED_ADDR, 127.0.0.1:6379), where a local Redis or a
// running worker's embedded one answers.
func (e *env) inspector(ctx context.Context) (_ *redis.Inspector, _ *redis.Manager, close func(), err error) {
	cfg, err := e.config()
	if err != nil {
		return nil, nil, nil, err
	}
	rc := cfg.GetRedisConfig()
	where := "the configured Redis"
	if !rc.Configured || rc.Mode == "embedded" {
		host, port, err := net.SplitHostPort(rc.EmbeddedAddr)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("REDIS_EMBEDDED_ADDR %q: %w", rc.EmbeddedAddr, err)
		}
		rc.Host, rc.URL = host, ""
		rc.Port, _ = strconv.Atoi(port)
		where = "no Redis is configured (REDIS_HOST, REDIS_URL, ...), so the worker's default " + rc.EmbeddedAddr
	}
	replicas, timeout, err := settings.ReplicaAck(cfg)
	if err != nil {
		return nil, nil, nil, err
	}
	m := redis.NewManager(&rc, logger.Nop(), redis.WithDefaultReplicaAck(replicas, timeout))
	if err := m.Err(); err != nil {
		_ = m.Close()
		return nil, nil, nil, err
	}
	pctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	if err := m.Ping(pctx); err != nil {
		_ = m.Close()
		return nil, nil, nil, fmt.Errorf("cannot reach Redis (%s): %w", where, err)
	}
	return m.Inspector(), m, func() { _ = m.Close() }, nil
}

package app

import (
	"context"
	"goweb/services/gateway-worker/internal/handlers"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"goweb/pkg/config"
	"goweb/pkg/logger"
	"goweb/pkg/redis"
	"goweb/pkg/redis/redistest"
	"goweb/services/gateway-worker/internal/servicetest"
)

func TestMain(m *testing.M) { servicetest.Main(m) }

func freeAddr(t *testing.T) string {
	t.Helper()
	p, err := redistest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(p))
}

func TestChooseRedis(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	nobody := freeAddr(t)
	tests := []struct {
		name         string
		rc           config.RedisConfig
		local        string
		wantEmbedded bool
		wantAddr     string
	}{
		{"configured", servicetest.RedisConfig(servicetest.Redis.Addr), nobody, false, servicetest.Redis.Addr},
		{"configured but unreachable never falls back", config.RedisConfig{Host: "127.0.0.1", Port: 1, Configured: true}, servicetest.Redis.Addr, false, "127.0.0.1:1"},
		{"nothing configured, local Redis answers", config.RedisConfig{}, servicetest.Redis.Addr, false, servicetest.Redis.Addr},
		{"nothing configured, nothing answers", config.RedisConfig{}, nobody, true, ""},
		{"forced embedded", config.RedisConfig{Mode: "embedded"}, servicetest.Redis.Addr, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.rc.EmbeddedAddr = freeAddr(t)
			target, err := chooseRedis(ctx, tt.rc, tt.local, logger.Nop())
			if err != nil {
				t.Fatal(err)
			}
			addr := net.JoinHostPort(target.cfg.Host, strconv.Itoa(target.cfg.Port))
			if tt.wantEmbedded {
				if target.embedded == nil {
					t.Fatalf("not embedded; using %s", addr)
				}
				defer target.embedded.Close()
				tt.wantAddr = tt.rc.EmbeddedAddr
				if err := pingAddr(ctx, addr); err != nil {
					t.Errorf("embedded server does not answer: %v", err)
				}
			} else if target.embedded != nil {
				target.embedded.Close()
				t.Fatal("started the embedded server")
			}
			if addr != tt.wantAddr {
				t.Errorf("using %s, want %s", addr, tt.wantAddr)
			}
		})
	}
}

func TestNewReportsConfigErrors(t *testing.T) {
	t.Parallel()
	for values, want := range map[string]string{
		"worker.concurrency=0":          "WORKER_CONCURRENCY",
		"worker.concurrency=1000000000": "WORKER_CONCURRENCY",
		"app.port=abc":                  "app.port",
		"worker.topics=unknown1":        `"unknown1" has no handler`,
	} {
		k, v, _ := strings.Cut(values, "=")
		cfg := config.NewFromMap(map[string]any{k: v, "redis.host": "127.0.0.1", "redis.port": 1})
		_, err := New(context.Background(), Options{Config: cfg, Log: logger.Nop()})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one naming %s", values, err, want)
		}
	}
}

// The app consumes, and Run returns nil once its context is cancelled.
func TestRun(t *testing.T) {
	t.Parallel()
	host, port := splitHostPort(servicetest.Redis.Addr)
	topic := redistest.Topic(t)
	_, appPort := splitHostPort(freeAddr(t))
	cfg := config.NewFromMap(map[string]any{
		"redis.host": host, "redis.port": port, "app.port": appPort,
		"worker.topics": topic, "shutdown.timeout": "5s",
	})
	handled := make(chan string, 1)
	a, stop := runApp(t, Options{Config: cfg, Log: logger.Nop(), Register: handle(topic, func(_ context.Context, msg *redis.Message) error {
		handled <- msg.ID
		return nil
	})})
	ctx := context.Background()

	id, err := a.manager.GetQueue().Enqueue(ctx, topic, map[string]interface{}{"x": 1})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-handled:
		if got != id {
			t.Errorf("handled %s, want %s", got, id)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("message not handled")
	}
	if consumers, err := a.ready.Check(ctx); err != nil || consumers != "running" {
		t.Errorf("ready: %s, %v", consumers, err)
	}
	stop()
}

// With nothing configured, the worker looks for a Redis where
// REDIS_EMBEDDED_ADDR says, as the command-line tools do, not on 6379.
func TestLocalRedisIsTheEmbeddedAddr(t *testing.T) {
	t.Parallel()
	_, appPort := splitHostPort(freeAddr(t))
	cfg := config.NewFromMap(map[string]any{"redis.embedded_addr": servicetest.Redis.Addr,
		"worker.topics": handlers.TopicSystemCleanup, "cleanup.interval": 0, "app.port": appPort})
	a, err := New(context.Background(), Options{Config: cfg, Log: logger.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	if addr := net.JoinHostPort(a.redis.cfg.Host, strconv.Itoa(a.redis.cfg.Port)); a.redis.embedded != nil || addr != servicetest.Redis.Addr {
		t.Errorf("using %s (embedded %v), want the Redis on REDIS_EMBEDDED_ADDR %s", addr, a.redis.embedded != nil, servicetest.Redis.Addr)
	}
}

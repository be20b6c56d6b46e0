package redisotel_test

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"goweb/pkg/config"
	"goweb/pkg/logger"
	"goweb/pkg/redis"
	"goweb/pkg/redis/redisotel"
	"goweb/pkg/redis/redistest"
)

var srv *redistest.Server

func TestMain(m *testing.M) { os.Exit(redistest.RunTests(m, &srv, 0)) }

// redisConfig points at the package's private redis-server.
func redisConfig() config.RedisConfig {
	return config.RedisConfig{URL: "redis://" + srv.Addr}
}

// bundle is a traced queue on a topic of its own, with the spans it made.
type bundle struct {
	ctx     context.Context
	spans   *tracetest.InMemoryExporter
	tp      *sdktrace.TracerProvider
	tracing *redisotel.Tracing
	q       *redis.RedisQueue
	m       *redis.Manager
	topic   string
}

func setup(t *testing.T) *bundle {
	t.Helper()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	tr := redisotel.New(redisotel.WithTracerProvider(tp))
	cfg := redisConfig()
	m := redis.NewManager(&cfg, logger.Nop(), redis.WithPublishMiddleware(tr.Publish))
	t.Cleanup(func() { _ = m.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return &bundle{ctx: ctx, spans: exp, tp: tp, tracing: tr, q: m.GetQueue(), m: m, topic: redistest.Topic(t)}
}

// subscribe consumes the bundle's topic with the tracing middleware until
// the test ends.
func (b *bundle) subscribe(t *testing.T, h redis.MessageHandler, opts ...redis.SubscribeOption) {
	t.Helper()
	ctx, cancel := context.WithCancel(b.ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := b.q.Subscribe(ctx, b.topic, h, append(opts, redis.WithMiddleware(b.tracing.Consume))...); err != nil {
			t.Error(err)
		}
	}()
	t.Cleanup(func() { cancel(); wg.Wait() })
}

// named returns the ended spans called name, in the order they ended.
func (b *bundle) named(name string) tracetest.SpanStubs {
	var out tracetest.SpanStubs
	for _, s := range b.spans.GetSpans() {
		if s.Name == name {
			out = append(out, s)
		}
	}
	return out
}

// waitSpans waits until n spans called name have ended and returns them.
func (b *bundle) waitSpans(t *testing.T, name string, n int) tracetest.SpanStubs {
	t.Helper()
	redistest.Eventually(t, 10*time.Second, name+" spans", func() bool { return len(b.named(name)) >= n })
	return b.named(name)
}

func fastRetries(n int) []redis.SubscribeOption {
	return []redis.SubscribeOption{redis.WithMaxRetries(n), redis.WithBackoff(redis.ConstantBackoff(10 * time.Millisecond))}
}

package redisotel_test

import (
	"context"
	"fmt"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"goweb/pkg/logger"
	"goweb/pkg/redis"
	"goweb/pkg/redis/redisotel"
)

func Example() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// A program exports with OTLP; the example keeps the spans in memory.
	spans := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))
	defer tp.Shutdown(context.Background())

	tracing := redisotel.New(redisotel.WithTracerProvider(tp))
	redisConfig := redisConfig()
	m := redis.NewManager(&redisConfig, logger.Nop(), redis.WithPublishMiddleware(tracing.Publish))
	defer m.Close()
	q := m.GetQueue()
	topic := "example.traced"

	reqCtx, checkout := tp.Tracer("shop").Start(ctx, "checkout")
	_ = q.Publish(reqCtx, topic, map[string]interface{}{"order_id": "12345"})
	checkout.End()

	_ = q.Subscribe(ctx, topic, func(ctx context.Context, msg *redis.Message) error {
		same := trace.SpanContextFromContext(ctx).TraceID() == checkout.SpanContext().TraceID()
		fmt.Println("handler in the checkout's trace:", same)
		cancel() // stop after one message
		return nil
	}, redis.WithMiddleware(tracing.Consume))

	for _, s := range spans.GetSpans() {
		fmt.Println(s.Name, s.SpanKind)
	}
	// Output:
	// handler in the checkout's trace: true
	// send example.traced producer
	// checkout internal
	// process example.traced consumer
}

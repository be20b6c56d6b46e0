package main

import (
	"context"
	"fmt"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace/noop"

	"goweb/bench/internal/result"
	"goweb/pkg/redis"
	"goweb/pkg/redis/redisotel"
)

// tracedConsume measures what OpenTelemetry tracing (pkg/redis/redisotel)
// costs a consumer: the same backlog of n traced messages (each with a
// traceparent header) consumed without the middleware, with it on a no-op
// TracerProvider, and with it on the SDK sampling every span, batching
// them and exporting them to an exporter that discards them.
func (e *env) tracedConsume(n int) ([]result.Metric, error) {
	sdk := sdktrace.NewTracerProvider(sdktrace.WithBatcher(tracetest.NewNoopExporter()))
	defer sdk.Shutdown(context.Background()) //nolint:errcheck // the discarding exporter cannot fail
	sdkTracing := redisotel.New(redisotel.WithTracerProvider(sdk))
	noopTracing := redisotel.New(redisotel.WithTracerProvider(noop.NewTracerProvider()))
	publisher, err := newManager(e.addr, redis.WithPublishMiddleware(sdkTracing.Publish))
	if err != nil {
		return nil, err
	}
	defer publisher.Close()

	cases := []struct {
		metric, note string
		opts         []redis.SubscribeOption
	}{
		{"tracing_off_consume_msgs_per_s", "traced messages, no middleware", nil},
		{"tracing_noop_consume_msgs_per_s", "redisotel.Consume on a no-op TracerProvider",
			[]redis.SubscribeOption{redis.WithMiddleware(noopTracing.Consume)}},
		{"tracing_on_consume_msgs_per_s", "redisotel.Consume on the SDK: every span sampled, batched, discarded",
			[]redis.SubscribeOption{redis.WithMiddleware(sdkTracing.Consume)}},
	}
	topics := []string{"traced"}
	var ms []result.Metric
	for _, c := range cases {
		if _, err := publishBatch(publisher.GetQueue(), n, topics); err != nil {
			return nil, err
		}
		d, err := e.consume(n, topics, concurrency, c.opts...)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.metric, err)
		}
		ms = append(ms, result.Metric{Name: c.metric, Value: rate(n, d), Unit: "msg/s", Note: c.note})
		if err := e.flush(); err != nil {
			return nil, err
		}
	}
	return ms, nil
}

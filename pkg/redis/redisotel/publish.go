package redisotel

import (
	"context"

	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"goweb/pkg/redis"
)

// Publish is publish middleware (see redis.WithPublishMiddleware): each
// publish call gets a producer span "send <topic>", a child of the span in
// its ctx if any, and every message it sends carries that span's context in
// its headers, which is what the consumer's span continues. The headers of
// WithHeaders are kept, but a "traceparent" among them is replaced: when
// ctx holds no span it is the send span's parent instead, so a producer
// that passes the trace in headers (as the admin API's callers can) keeps
// it.
func (t *Tracing) Publish(next redis.PublishFunc) redis.PublishFunc {
	return func(ctx context.Context, p *redis.Publication) error {
		if !trace.SpanContextFromContext(ctx).IsValid() {
			ctx = t.propagator.Extract(ctx, propagation.MapCarrier(p.Headers))
		}
		attrs := append(common("send", p.Topic), semconv.MessagingOperationTypeSend)
		if p.Messages > 1 {
			attrs = append(attrs, semconv.MessagingBatchMessageCount(p.Messages))
		}
		ctx, span := t.tracer.Start(ctx, "send "+p.Topic,
			trace.WithSpanKind(trace.SpanKindProducer), trace.WithAttributes(attrs...))
		defer span.End()
		t.propagator.Inject(ctx, propagation.MapCarrier(p.Headers))
		err := next(ctx, p)
		if err != nil {
			fail(span, err)
			return err
		}
		if len(p.IDs) == 1 {
			span.SetAttributes(semconv.MessagingMessageID(p.IDs[0]))
		}
		return nil
	}
}

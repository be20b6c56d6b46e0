package redisotel

import (
	"context"
	"fmt"

	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"goweb/pkg/redis"
)

// Consume is handler middleware (see redis.WithMiddleware): each delivery
// runs the handler inside a consumer span "process <topic>" whose parent is
// the span context in the message's headers (the publisher's "send" span),
// so every attempt of a message, a retry or a dead letter requeued later,
// continues the publisher's trace. Without trace headers the span starts a
// new trace. A handler error or panic marks the span as failed.
func (t *Tracing) Consume(next redis.MessageHandler) redis.MessageHandler {
	return func(ctx context.Context, msg *redis.Message) (err error) {
		ctx = t.propagator.Extract(ctx, propagation.MapCarrier(msg.Headers))
		attrs := append(common("process", msg.Topic),
			semconv.MessagingOperationTypeProcess,
			semconv.MessagingMessageID(msg.ID),
			AttemptKey.Int(msg.Attempt))
		ctx, span := t.tracer.Start(ctx, "process "+msg.Topic,
			trace.WithSpanKind(trace.SpanKindConsumer), trace.WithAttributes(attrs...))
		defer func() {
			if v := recover(); v != nil {
				fail(span, fmt.Errorf("handler panicked: %v", v))
				span.End()
				panic(v) // the queue recovers it, with the handler's stack
			}
			if err != nil {
				fail(span, err)
			}
			span.End()
		}()
		return next(ctx, msg)
	}
}

func fail(span trace.Span, err error) {
	span.RecordError(err)
	span.SetStatus(codes.Error, err.Error())
}

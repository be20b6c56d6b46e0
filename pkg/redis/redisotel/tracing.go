package redisotel

import (
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// ScopeName is the instrumentation scope of the spans.
const ScopeName = "goweb/pkg/redis/redisotel"

// System is the messaging.system of the spans: the queue is this library's
// own protocol on Redis, as Sidekiq's or BullMQ's is theirs.
const System = "gateway_worker"

// AttemptKey is the delivery attempt of a process span: 1 the first time,
// 2 on the first retry (redis.Message.Attempt).
const AttemptKey = attribute.Key("messaging.gateway_worker.attempt")

// Tracing makes the spans of a queue. Its Publish goes to
// redis.WithPublishMiddleware and its Consume to redis.WithMiddleware.
type Tracing struct {
	tracer     trace.Tracer
	propagator propagation.TextMapPropagator
}

// Option configures New.
type Option func(*options)

type options struct {
	provider   trace.TracerProvider
	propagator propagation.TextMapPropagator
}

// WithTracerProvider sets where spans go. Defaults to the global provider
// (otel.GetTracerProvider), a no-op until the program sets one.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(o *options) { o.provider = tp }
}

// WithPropagator sets how the trace context travels in message headers.
// Defaults to W3C Trace Context and Baggage ("traceparent", "tracestate",
// "baggage"), whatever the global propagator is, so that tracing works
// without setting one.
func WithPropagator(p propagation.TextMapPropagator) Option {
	return func(o *options) { o.propagator = p }
}

// New returns the tracing of a queue. A nil provider or propagator in the
// options keeps the default.
func New(opts ...Option) *Tracing {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if o.provider == nil {
		o.provider = otel.GetTracerProvider()
	}
	if o.propagator == nil {
		o.propagator = propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
	}
	return &Tracing{tracer: o.provider.Tracer(ScopeName), propagator: o.propagator}
}

// common are the attributes of every span on topic.
func common(operation string, topic string) []attribute.KeyValue {
	return []attribute.KeyValue{
		semconv.MessagingSystemKey.String(System),
		semconv.MessagingDestinationName(topic),
		semconv.MessagingOperationName(operation),
	}
}

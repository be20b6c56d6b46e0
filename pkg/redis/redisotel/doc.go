// Package redisotel traces a goweb/pkg/redis queue with OpenTelemetry,
// carrying W3C Trace Context in message headers from the publisher to the
// handler.
//
// A publish gets a producer span "send <topic>", a child of the span in
// the publisher's ctx, and each message it sends carries that span's
// context in its headers ("traceparent", "tracestate", and "baggage" when
// there is any). Each delivery runs the handler inside a consumer span
// "process <topic>", a child of the send span, so the handler's ctx
// continues the publisher's trace. A retried message keeps its headers,
// and so does a dead letter, so every attempt, and a dead letter requeued
// days later, is a child of the same send span; a failed attempt's span
// records the error. Spans carry the messaging semantic conventions:
// messaging.system (System), messaging.destination.name (the topic),
// messaging.operation.type and .name (send, process),
// messaging.message.id, messaging.batch.message_count for a batch, and
// AttemptKey.
//
// Tracing is opt-in: without the middleware the queue runs no tracing
// code at all.
//
//	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exporter))
//	defer tp.Shutdown(ctx)
//	tracing := redisotel.New(redisotel.WithTracerProvider(tp))
//	m := redis.NewManager(&redisConfig, log, redis.WithPublishMiddleware(tracing.Publish))
//	q := m.GetQueue()
//	err := q.Publish(ctx, "order.created", data) // inside the caller's span
//	err = q.Subscribe(ctx, "order.created", handle, redis.WithMiddleware(tracing.Consume))
//
// A handler that calls another service passes its ctx on, so an HTTP
// client instrumented with OpenTelemetry sends the trace along. Messages
// published by other producers without trace headers start a new trace at
// the consumer. SubscribeBatch takes no middleware and is not traced.
package redisotel

package redisotel_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"goweb/pkg/logger"
	"goweb/pkg/redis"
	"goweb/pkg/redis/redisotel"
	"goweb/pkg/redis/redistest"
)

// request starts the span a publish runs in, as an HTTP handler's would,
// below a remote parent carrying trace state.
func (b *bundle) request(t *testing.T) (context.Context, trace.Span) {
	t.Helper()
	ts, err := trace.ParseTraceState("vendor=opaque")
	if err != nil {
		t.Fatal(err)
	}
	remote := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{1, 2, 3}, SpanID: trace.SpanID{4, 5, 6},
		TraceFlags: trace.FlagsSampled, TraceState: ts, Remote: true,
	})
	ctx := trace.ContextWithRemoteSpanContext(b.ctx, remote)
	return b.tp.Tracer("test").Start(ctx, "request")
}

func attr(s tracetest.SpanStub, k attribute.Key) attribute.Value {
	for _, kv := range s.Attributes {
		if kv.Key == k {
			return kv.Value
		}
	}
	return attribute.Value{}
}

// checkChild fails unless child's parent is parent.
func checkChild(t *testing.T, child, parent tracetest.SpanStub) {
	t.Helper()
	if child.Parent.TraceID() != parent.SpanContext.TraceID() || child.Parent.SpanID() != parent.SpanContext.SpanID() {
		t.Errorf("span %q has parent %s/%s, want %q %s/%s", child.Name, child.Parent.TraceID(), child.Parent.SpanID(),
			parent.Name, parent.SpanContext.TraceID(), parent.SpanContext.SpanID())
	}
}

func TestPublishConsumeContinuesTrace(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx, req := b.request(t)
	id, err := b.q.Enqueue(ctx, b.topic, map[string]interface{}{"n": 1}, redis.WithHeaders(map[string]string{"k": "v"}))
	req.End()
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan *redis.Message, 1)
	var inHandler atomic.Value
	b.subscribe(t, func(ctx context.Context, msg *redis.Message) error {
		inHandler.Store(trace.SpanContextFromContext(ctx))
		got <- msg
		return nil
	})
	msg := <-got
	process := b.waitSpans(t, "process "+b.topic, 1)[0]
	send := b.named("send " + b.topic)[0]
	request := b.named("request")[0]

	checkChild(t, send, request)
	checkChild(t, process, send)
	if send.SpanKind != trace.SpanKindProducer || process.SpanKind != trace.SpanKindConsumer {
		t.Errorf("kinds: send %v, process %v; want producer, consumer", send.SpanKind, process.SpanKind)
	}
	if sc := inHandler.Load().(trace.SpanContext); sc.SpanID() != process.SpanContext.SpanID() {
		t.Errorf("the handler's ctx holds span %s, want the process span %s", sc.SpanID(), process.SpanContext.SpanID())
	}
	if want := fmt.Sprintf("00-%s-%s-01", send.SpanContext.TraceID(), send.SpanContext.SpanID()); msg.Headers["traceparent"] != want {
		t.Errorf("traceparent header %q, want %q", msg.Headers["traceparent"], want)
	}
	if msg.Headers["tracestate"] != "vendor=opaque" || msg.Headers["k"] != "v" {
		t.Errorf("headers %v: want tracestate vendor=opaque and the publisher's k=v", msg.Headers)
	}
	if got := process.SpanContext.TraceState().Get("vendor"); got != "opaque" {
		t.Errorf("the process span's trace state lost vendor=opaque: %q", got)
	}
	for _, c := range []struct {
		span tracetest.SpanStub
		key  attribute.Key
		want string
	}{
		{send, semconv.MessagingSystemKey, redisotel.System},
		{send, semconv.MessagingDestinationNameKey, b.topic},
		{send, semconv.MessagingOperationTypeKey, "send"},
		{send, semconv.MessagingOperationNameKey, "send"},
		{send, semconv.MessagingMessageIDKey, id},
		{process, semconv.MessagingSystemKey, redisotel.System},
		{process, semconv.MessagingDestinationNameKey, b.topic},
		{process, semconv.MessagingOperationTypeKey, "process"},
		{process, semconv.MessagingOperationNameKey, "process"},
		{process, semconv.MessagingMessageIDKey, id},
		{process, redisotel.AttemptKey, "1"},
	} {
		if got := attr(c.span, c.key).Emit(); got != c.want {
			t.Errorf("%s: %s = %q, want %q", c.span.Name, c.key, got, c.want)
		}
	}
}

func TestRetryKeepsTrace(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx, req := b.request(t)
	if err := b.q.Publish(ctx, b.topic, map[string]interface{}{"n": 1}); err != nil {
		t.Fatal(err)
	}
	req.End()
	var calls atomic.Int32
	b.subscribe(t, func(ctx context.Context, msg *redis.Message) error {
		if calls.Add(1) == 1 {
			return errors.New("first attempt fails")
		}
		return nil
	}, fastRetries(3)...)
	process := b.waitSpans(t, "process "+b.topic, 2)
	send := b.named("send " + b.topic)[0]
	for i, s := range process {
		checkChild(t, s, send)
		if got := attr(s, redisotel.AttemptKey).AsInt64(); got != int64(i+1) {
			t.Errorf("span %d: attempt %d", i, got)
		}
	}
	if process[0].Status.Code != codes.Error || process[0].Status.Description != "first attempt fails" || len(process[0].Events) == 0 {
		t.Errorf("the failed attempt's span: status %+v, %d events; want the error recorded", process[0].Status, len(process[0].Events))
	}
	if process[1].Status.Code == codes.Error {
		t.Errorf("the successful retry's span failed: %+v", process[1].Status)
	}
}

func TestDeadLetterRequeuedKeepsTrace(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx, req := b.request(t)
	id, err := b.q.Enqueue(ctx, b.topic, map[string]interface{}{"n": 1})
	if err != nil {
		t.Fatal(err)
	}
	req.End()
	var calls atomic.Int32
	b.subscribe(t, func(ctx context.Context, msg *redis.Message) error {
		if calls.Add(1) == 1 {
			panic("poison")
		}
		return nil
	}, fastRetries(0)...)
	first := b.waitSpans(t, "process "+b.topic, 1)[0]
	if first.Status.Code != codes.Error || first.Status.Description != "handler panicked: poison" {
		t.Errorf("the panicking attempt's span has status %+v", first.Status)
	}
	// The dead letter is written after the handler's span ended.
	redistest.Eventually(t, 10*time.Second, "the dead letter requeued", func() bool {
		n, err := b.m.Inspector().RequeueDead(b.ctx, b.topic, id)
		if err != nil {
			t.Fatal(err)
		}
		return n == 1
	})
	process := b.waitSpans(t, "process "+b.topic, 2)
	send := b.named("send " + b.topic)[0]
	for _, s := range process {
		checkChild(t, s, send)
	}
}

func TestPublishBatchSharesOneSendSpan(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ids, err := b.q.EnqueueBatch(b.ctx, b.topic, []map[string]interface{}{{"n": 1}, {"n": 2}})
	if err != nil {
		t.Fatal(err)
	}
	b.subscribe(t, func(context.Context, *redis.Message) error { return nil })
	process := b.waitSpans(t, "process "+b.topic, 2)
	send := b.named("send " + b.topic)[0]
	if send.Parent.IsValid() {
		t.Errorf("a publish outside any span made a send span with parent %s", send.Parent.SpanID())
	}
	if got := attr(send, semconv.MessagingBatchMessageCountKey).AsInt64(); got != 2 {
		t.Errorf("batch count %d, want 2", got)
	}
	var got []string
	for _, s := range process {
		checkChild(t, s, send)
		got = append(got, attr(s, semconv.MessagingMessageIDKey).AsString())
	}
	slices.Sort(got)
	if slices.Sort(ids); !slices.Equal(got, ids) {
		t.Errorf("process spans are for %v, want %v", got, ids)
	}
}

func TestConsumeWithoutTraceHeadersStartsTrace(t *testing.T) {
	t.Parallel()
	b := setup(t)
	cfg := redisConfig()
	plain := redis.NewManager(&cfg, logger.Nop()) // publishes without tracing
	t.Cleanup(func() { _ = plain.Close() })
	if err := plain.GetQueue().Publish(b.ctx, b.topic, map[string]interface{}{"n": 1}); err != nil {
		t.Fatal(err)
	}
	b.subscribe(t, func(context.Context, *redis.Message) error { return nil })
	process := b.waitSpans(t, "process "+b.topic, 1)[0]
	if process.Parent.IsValid() || !process.SpanContext.IsValid() {
		t.Errorf("process span of an untraced message: parent %v, context valid %v; want a new root", process.Parent, process.SpanContext.IsValid())
	}
}

func TestFailedPublishMarksSpan(t *testing.T) {
	t.Parallel()
	b := setup(t)
	err := b.q.Publish(b.ctx, b.topic, map[string]interface{}{"n": 1}, redis.WithDedupKey("k", time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	err = b.q.Publish(b.ctx, b.topic, map[string]interface{}{"n": 1}, redis.WithDedupKey("k", time.Minute))
	if !errors.Is(err, redis.ErrDuplicate) {
		t.Fatalf("second publish: %v", err)
	}
	send := b.named("send " + b.topic)
	if len(send) != 2 || send[0].Status.Code == codes.Error || send[1].Status.Code != codes.Error {
		t.Fatalf("send spans %+v: want the duplicate's marked as an error", send)
	}
	if attr(send[1], semconv.MessagingMessageIDKey).Type() != attribute.INVALID {
		t.Errorf("the refused publish's span names a message id")
	}
}

func TestTraceparentHeaderIsTheParentWithoutSpan(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const caller = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
	got := make(chan *redis.Message, 1)
	b.subscribe(t, func(_ context.Context, msg *redis.Message) error { got <- msg; return nil })
	if err := b.q.Publish(b.ctx, b.topic, map[string]interface{}{"n": 1},
		redis.WithHeaders(map[string]string{"traceparent": caller})); err != nil {
		t.Fatal(err)
	}
	msg := <-got
	process := b.waitSpans(t, "process "+b.topic, 1)[0]
	send := b.named("send " + b.topic)[0]
	if send.Parent.TraceID().String() != "0af7651916cd43dd8448eb211c80319c" || send.Parent.SpanID().String() != "b7ad6b7169203331" {
		t.Errorf("send span's parent %s/%s, want the traceparent header's", send.Parent.TraceID(), send.Parent.SpanID())
	}
	checkChild(t, process, send)
	if msg.Headers["traceparent"] == caller {
		t.Errorf("the message carries the caller's traceparent, not the send span's")
	}
}

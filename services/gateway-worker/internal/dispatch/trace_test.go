package dispatch_test

import (
	"context"
	"strings"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"goweb/pkg/redis"
	"goweb/pkg/redis/redisotel"
	"goweb/services/gateway-worker/internal/dispatch"
)

// With tracing on (the service sets the global propagator), the receiver's
// traceparent names the span the dispatch handler ran in, so the endpoint's
// work is a child of the delivery, itself a child of the publish.
func TestRequestContinuesTheHandlersTrace(t *testing.T) {
	otel.SetTextMapPropagator(propagation.TraceContext{})
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	tr := redisotel.New(redisotel.WithTracerProvider(tp))

	b := setup(t)
	b.start(t, dispatch.Config{Routes: []dispatch.Route{b.route(t, nil)}}, redis.WithMiddleware(tr.Consume))
	b.publish(t, map[string]interface{}{"n": 1})
	eventually(t, "delivery", func() bool { return b.stats(t).Processed == 1 })

	got := b.recv.all()[0].header.Get("Traceparent")
	var process sdktrace.ReadOnlySpan
	for _, s := range exp.GetSpans().Snapshots() {
		if strings.HasPrefix(s.Name(), "process ") {
			process = s
		}
	}
	if process == nil {
		t.Fatalf("no process span among %d spans", len(exp.GetSpans()))
	}
	sc := process.SpanContext()
	if want := "00-" + sc.TraceID().String() + "-" + sc.SpanID().String() + "-01"; got != want {
		t.Errorf("receiver's traceparent %q, want the process span's %q", got, want)
	}
}

package app

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"goweb/pkg/logger"
	"goweb/pkg/redis"
	"goweb/pkg/redis/redisotel"
	"goweb/services/gateway-worker/internal/httpapi"
)

// tracing is the service's OpenTelemetry tracing (docs/service.md,
// "Tracing"), configured by the SDK's standard OTEL_* variables. A nil
// *tracing is tracing off: its methods add nothing.
type tracing struct {
	provider   *sdktrace.TracerProvider
	propagator propagation.TextMapPropagator
	queue      *redisotel.Tracing
	endpoint   string // where spans go, for the start line
}

// exportErrorsEvery bounds the log lines of failing exports: a collector
// that is down fails every batch.
const exportErrorsEvery = 30 * time.Second

// The variables newTracing reads itself, besides those only the SDK reads.
const (
	envDisabled = "OTEL_SDK_DISABLED"
	envExporter = "OTEL_TRACES_EXPORTER"
)

var (
	// endpointVars turn tracing on; the exporter reads them itself.
	endpointVars = []string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"}
	protocolVars = []string{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"}
	// tracingVars is every variable newTracing reads: docs/service.md's
	// Tracing section names each (TestTracingVariablesDocumented).
	tracingVars = slices.Concat([]string{envDisabled, envExporter}, endpointVars, protocolVars)
)

// newTracing returns the tracing the environment asks for: nil unless an
// OTLP endpoint is set (and OTEL_SDK_DISABLED is not true, nor
// OTEL_TRACES_EXPORTER none). It refuses what the exporter would ignore or
// misread: an endpoint that is not an http(s) URL, another protocol than
// http/protobuf, another exporter than otlp, malformed resource attributes.
// It sets the global tracer provider and propagator, for code the handlers
// call, and the global error handler, so that the SDK's errors (a
// collector that cannot be reached) go to log as throttled warnings rather
// than to the standard logger.
func newTracing(ctx context.Context, log logger.Logger) (*tracing, error) {
	if strings.EqualFold(os.Getenv(envDisabled), "true") {
		return nil, nil
	}
	switch v := os.Getenv(envExporter); v {
	case "none":
		return nil, nil
	case "", "otlp":
	default:
		return nil, fmt.Errorf("%s=%q: the service exports traces with otlp only (or none)", envExporter, v)
	}
	endpoint := ""
	for _, k := range endpointVars {
		if v := os.Getenv(k); v != "" {
			u, err := url.Parse(v)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return nil, fmt.Errorf("%s=%q: want an http:// or https:// URL, e.g. http://otel-collector:4318", k, v)
			}
			if endpoint == "" { // the traces endpoint, listed first, wins
				u.User, u.RawQuery = nil, ""
				endpoint = u.String()
			}
		}
	}
	if endpoint == "" {
		return nil, nil
	}
	for _, k := range protocolVars {
		if v := os.Getenv(k); v != "" && v != "http/protobuf" {
			return nil, fmt.Errorf("%s=%q: the service sends OTLP over HTTP: use http/protobuf (the collector's port 4318)", k, v)
		}
	}
	// Later detectors win: OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES
	// override the default name.
	res, err := resource.New(ctx, resource.WithAttributes(semconv.ServiceName(httpapi.ServiceName)),
		resource.WithFromEnv(), resource.WithTelemetrySDK())
	if err != nil {
		return nil, fmt.Errorf("OTEL_RESOURCE_ATTRIBUTES or OTEL_SERVICE_NAME: %w", err)
	}
	exp, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, fmt.Errorf("tracing: OTLP exporter: %w", err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	prop := propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(prop)
	failures := logger.NewThrottle(log, exportErrorsEvery, nil)
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		failures.Warn("tracing: exporting spans failed", "endpoint", endpoint, "error", err)
	}))
	return &tracing{
		provider:   tp,
		propagator: prop,
		queue:      redisotel.New(redisotel.WithTracerProvider(tp), redisotel.WithPropagator(prop)),
		endpoint:   endpoint,
	}, nil
}

// describe is the start line's tracing field: off, or where spans go.
func (t *tracing) describe() string {
	if t == nil {
		return "off"
	}
	return "otlp " + t.endpoint
}

func (t *tracing) managerOptions() []redis.ManagerOption {
	if t == nil {
		return nil
	}
	return []redis.ManagerOption{redis.WithPublishMiddleware(t.queue.Publish)}
}

// subscribeOptions go first, so the span wraps every other middleware.
func (t *tracing) subscribeOptions() []redis.SubscribeOption {
	if t == nil {
		return nil
	}
	return []redis.SubscribeOption{redis.WithMiddleware(t.queue.Consume)}
}

// continueTrace makes a request's publishes continue the caller's trace,
// when the request carries a traceparent.
func (t *tracing) continueTrace(h http.Handler) http.Handler {
	if t == nil {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := t.propagator.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}

// shutdown exports the spans not sent yet, waiting at most 5 s for the
// collector, and stops the exporter.
func (t *tracing) shutdown() error {
	if t == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := t.provider.Shutdown(ctx); err != nil {
		return fmt.Errorf("tracing: exporting the last spans: %w", err)
	}
	return nil
}

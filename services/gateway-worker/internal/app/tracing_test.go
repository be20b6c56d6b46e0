package app

import (
	"context"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/trace"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"goweb/pkg/config"
	"goweb/pkg/logger"
	"goweb/pkg/redis"
	"goweb/pkg/redis/redistest"
	"goweb/services/gateway-worker/internal/servicetest"
)

// collector is an OTLP/HTTP trace receiver: what an OpenTelemetry
// Collector's port 4318 does with /v1/traces.
type collector struct {
	*httptest.Server
	mu       sync.Mutex
	spans    map[string]*tracepb.Span // by name
	services []string                 // service.name of each resource
}

func startCollector(t *testing.T) *collector {
	t.Helper()
	c := &collector{spans: map[string]*tracepb.Span{}}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		var req coltracepb.ExportTraceServiceRequest
		if err == nil {
			err = proto.Unmarshal(body, &req)
		}
		if r.URL.Path != "/v1/traces" || err != nil {
			t.Errorf("collector: %s %s: %v", r.Method, r.URL.Path, err)
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		c.mu.Lock()
		for _, rs := range req.ResourceSpans {
			for _, kv := range rs.GetResource().GetAttributes() {
				if kv.Key == "service.name" {
					c.services = append(c.services, kv.GetValue().GetStringValue())
				}
			}
			for _, ss := range rs.ScopeSpans {
				for _, s := range ss.Spans {
					c.spans[s.Name] = s
				}
			}
		}
		c.mu.Unlock()
		out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(out)
	}))
	t.Cleanup(c.Close)
	return c
}

// The service exports the spans of a publish over the admin API and of
// its consumption to OTEL_EXPORTER_OTLP_ENDPOINT, under OTEL_SERVICE_NAME,
// continuing the caller's traceparent; Run's shutdown flushes them.
func TestTracingExportsOTLP(t *testing.T) {
	col := startCollector(t)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", col.URL)
	t.Setenv("OTEL_SERVICE_NAME", "gw-traced")
	host, port := splitHostPort(servicetest.Redis.Addr)
	topic := redistest.Topic(t)
	_, appPort := splitHostPort(freeAddr(t))
	const token = "0123456789abcdef0123456789abcdef"
	cfg := config.NewFromMap(map[string]any{
		"redis.host": host, "redis.port": port, "app.port": appPort,
		"worker.topics": topic, "shutdown.timeout": "5s", "admin.token": token,
	})
	handled := make(chan trace.SpanContext, 1)
	a, stop := runApp(t, Options{Config: cfg, Log: logger.Nop(), Register: handle(topic, func(ctx context.Context, _ *redis.Message) error {
		handled <- trace.SpanContextFromContext(ctx)
		return nil
	})})

	const callerTrace, callerSpan = "0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331"
	req, _ := http.NewRequest(http.MethodPost, "http://"+a.Addr()+"/v1/topics/"+topic+"/messages", strings.NewReader(`{"data":{"x":1}}`))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("traceparent", "00-"+callerTrace+"-"+callerSpan+"-01")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("publish: %s", resp.Status)
	}
	select {
	case sc := <-handled:
		if sc.TraceID().String() != callerTrace {
			t.Errorf("the handler runs in trace %s, want the caller's %s", sc.TraceID(), callerTrace)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("message not handled")
	}
	stop()

	col.mu.Lock()
	defer col.mu.Unlock()
	send, process := col.spans["send "+topic], col.spans["process "+topic]
	if send == nil || process == nil {
		t.Fatalf("the collector got spans %v, want send and process of %s", keys(col.spans), topic)
	}
	if got := hex.EncodeToString(send.TraceId); got != callerTrace || hex.EncodeToString(send.ParentSpanId) != callerSpan {
		t.Errorf("send span in trace %s under %x, want the caller's %s under %s", got, send.ParentSpanId, callerTrace, callerSpan)
	}
	if string(process.TraceId) != string(send.TraceId) || string(process.ParentSpanId) != string(send.SpanId) {
		t.Errorf("process span %x/%x is not the send span's %x/%x child", process.TraceId, process.ParentSpanId, send.TraceId, send.SpanId)
	}
	for _, s := range col.services {
		if s != "gw-traced" {
			t.Errorf("service.name %q, want OTEL_SERVICE_NAME's gw-traced", s)
		}
	}
}

func keys(m map[string]*tracepb.Span) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

func TestTracingSettings(t *testing.T) {
	for _, c := range []struct {
		name string
		env  map[string]string
		on   bool
		err  string // in the error, if any
	}{
		{"unset", nil, false, ""},
		{"endpoint", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1"}, true, ""},
		{"traces endpoint", map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "https://c.example:4318/v1/traces"}, true, ""},
		{"disabled", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1", "OTEL_SDK_DISABLED": "true"}, false, ""},
		{"exporter none", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1", "OTEL_TRACES_EXPORTER": "none"}, false, ""},
		{"no scheme", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "collector:4318"}, false, `OTEL_EXPORTER_OTLP_ENDPOINT="collector:4318": want an http:// or https:// URL`},
		{"grpc", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4317", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, false, `OTEL_EXPORTER_OTLP_PROTOCOL="grpc": the service sends OTLP over HTTP`},
		{"zipkin", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_TRACES_EXPORTER": "zipkin"}, false, `OTEL_TRACES_EXPORTER="zipkin"`},
		{"bad resource", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_RESOURCE_ATTRIBUTES": "no-equals-sign"}, false, "OTEL_RESOURCE_ATTRIBUTES"},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, k := range []string{"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_SDK_DISABLED",
				"OTEL_TRACES_EXPORTER", "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_RESOURCE_ATTRIBUTES"} {
				t.Setenv(k, c.env[k])
			}
			tr, err := newTracing(context.Background(), logger.Nop())
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want one containing %s", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (tr != nil) != c.on {
				t.Errorf("tracing on = %v, want %v", tr != nil, c.on)
			}
			if err := tr.shutdown(); err != nil {
				t.Error(err)
			}
		})
	}
}

// A tracing setting New refuses leaves nothing running (goleak checks).
func TestNewReportsTracingErrors(t *testing.T) {
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "localhost:4318")
	cfg := config.NewFromMap(map[string]any{"redis.host": "127.0.0.1", "redis.port": 1})
	_, err := New(context.Background(), Options{Config: cfg, Log: logger.Nop()})
	if err == nil || !strings.Contains(err.Error(), "OTEL_EXPORTER_OTLP_ENDPOINT") {
		t.Errorf("error %v, want one naming OTEL_EXPORTER_OTLP_ENDPOINT", err)
	}
}

// docs/service.md's Tracing section names every variable newTracing reads.
func TestTracingVariablesDocumented(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../../../../docs/service.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(raw), "\n## Tracing\n")
	if !ok {
		t.Fatal("docs/service.md has no Tracing section")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	for _, v := range tracingVars {
		if !strings.Contains(section, "`"+v+"`") {
			t.Errorf("docs/service.md's Tracing section does not name %s", v)
		}
	}
}

// A collector that cannot be reached is reported through the service's
// logger, as throttled warnings, and the start line says where spans go.
func TestTracingErrorsAreLogged(t *testing.T) {
	closed := freeAddr(t) // nothing listens there
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://"+closed)
	t.Setenv("OTEL_EXPORTER_OTLP_TIMEOUT", "500")
	t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "50") // export every 50 ms
	var logs servicetest.Buffer
	log := logger.NewWithOptions(logger.Options{Output: &logs, Format: "json"})
	host, port := splitHostPort(servicetest.Redis.Addr)
	_, appPort := splitHostPort(freeAddr(t))
	cfg := config.NewFromMap(map[string]any{"redis.host": host, "redis.port": port, "app.port": appPort, "worker.topics": "system.cleanup"})
	a, err := New(context.Background(), Options{Config: cfg, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.close)
	if want := `"tracing":"otlp http://` + closed + `"`; !strings.Contains(logs.String(), want) {
		t.Errorf("start line lacks %s:\n%s", want, logs.String())
	}
	// Batches export in the background, failing one after the other.
	servicetest.Eventually(t, 20*time.Second, "the export errors in the log", func() bool {
		_, span := a.tracing.provider.Tracer("test").Start(context.Background(), "span")
		span.End()
		return strings.Contains(logs.String(), `"msg":"tracing: exporting spans failed"`) &&
			strings.Contains(logs.String(), `"level":"WARN"`)
	})
	// More failures within the throttle interval are only counted.
	for i := 0; i < 5; i++ {
		_, span := a.tracing.provider.Tracer("test").Start(context.Background(), "span")
		span.End()
		_ = a.tracing.provider.ForceFlush(context.Background())
	}
	if n := strings.Count(logs.String(), "exporting spans failed"); n != 1 {
		t.Errorf("%d export errors logged within the throttle interval, want 1:\n%s", n, logs.String())
	}
}

package dispatch_test

import (
	"errors"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"goweb/pkg/logger"
	"goweb/services/gateway-worker/internal/dispatch"
)

func slogTo(w io.Writer) *slog.Logger { return slog.New(slog.NewJSONHandler(w, nil)) }

func TestBadRoutesNameTheField(t *testing.T) {
	t.Parallel()
	good := dispatch.RawRoute{Topic: "orders.created", URL: "http://orders:8080/hooks"}
	for _, tc := range []struct {
		name string
		edit func(*dispatch.RawRoute)
		want string
	}{
		{"url without scheme", func(r *dispatch.RawRoute) { r.URL = "orders:8080/hooks" }, `dispatch.routes[0] (topic "orders.created"): url: must begin with http:// or https://`},
		{"url without host", func(r *dispatch.RawRoute) { r.URL = "http:///hooks" }, "url: has no host"},
		{"missing url", func(r *dispatch.RawRoute) { r.URL = "" }, "url: missing"},
		{"unknown body", func(r *dispatch.RawRoute) { r.Body = "raw" }, `body: "raw" is not "data" or "envelope"`},
		{"bad secret", func(r *dispatch.RawRoute) { r.SigningSecrets = []string{"whsec_short"} }, "signing_secrets[0]: bad signing secret"},
		{"secret without prefix", func(r *dispatch.RawRoute) { r.SigningSecrets = []string{"abc"} }, `signing_secrets[0]: bad signing secret: must begin with "whsec_"`},
		{"invalid topic", func(r *dispatch.RawRoute) { r.Topic = "bad topic!" }, `url`},
		{"bad method", func(r *dispatch.RawRoute) { r.Method = "GET" }, `method: "GET" is not one of POST, PUT, PATCH`},
		{"bad timeout", func(r *dispatch.RawRoute) { r.Timeout = "forever" }, `timeout: "forever" must be a duration from 1ms to 1h0m0s`},
		{"reserved header", func(r *dispatch.RawRoute) { r.Headers = map[string]string{"webhook-signature": "x"} }, "headers.webhook-signature: set by the dispatcher"},
		{"unset env var", func(r *dispatch.RawRoute) {
			r.Headers = map[string]string{"Authorization": "Bearer ${NOT_SET_ANYWHERE}"}
		}, "headers.Authorization: environment variable NOT_SET_ANYWHERE is not set"},
		{"bad forward header", func(r *dispatch.RawRoute) { r.ForwardHeaders = []string{"a b"} }, `forward_headers[0]: "a b" is not a valid header name`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw := good
			tc.edit(&raw)
			_, err := dispatch.ParseRoutes(dispatch.YAMLRoutes, []dispatch.RawRoute{raw}, testEnv)
			if !errors.Is(err, dispatch.ErrBadRoute) {
				t.Fatalf("err = %v, want ErrBadRoute", err)
			}
			if tc.name == "invalid topic" {
				tc.want = "topic: invalid topic"
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %q, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestBadRoutesAreAllReported(t *testing.T) {
	t.Parallel()
	_, err := dispatch.ParseRoutes(dispatch.EnvRoutes, []dispatch.RawRoute{
		{Topic: "a", URL: "ftp://x"}, {Topic: "b", URL: "http://ok"}, {Topic: "b", URL: "http://again"}, {Topic: "c", URL: "http://x", Body: "xml"},
	}, testEnv)
	for _, want := range []string{`DISPATCH_ROUTES[0] (topic "a"): url`, `DISPATCH_ROUTES[2] (topic "b"): topic: the topic has another route`, `DISPATCH_ROUTES[3] (topic "c"): body`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want %q", err, want)
		}
	}
}

func TestURLWithTokenIsNotQuotedInErrors(t *testing.T) {
	t.Parallel()
	_, err := dispatch.ParseRoutes(dispatch.YAMLRoutes, []dispatch.RawRoute{{Topic: "a", URL: "gopher://host/?token=t0ken"}}, testEnv)
	if err == nil || strings.Contains(err.Error(), "t0ken") {
		t.Errorf("err = %v", err)
	}
}

func TestParseEnvRoutes(t *testing.T) {
	t.Parallel()
	raw, err := dispatch.ParseEnvRoutes(" orders.created=http://orders:8080/hooks/created?a=b ; ;payments.done=https://pay.internal/hooks;")
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) != 2 || raw[0].Topic != "orders.created" || raw[0].URL != "http://orders:8080/hooks/created?a=b" || raw[1].Topic != "payments.done" {
		t.Fatalf("routes = %+v", raw)
	}
	routes, err := dispatch.ParseRoutes(dispatch.EnvRoutes, raw, testEnv)
	if err != nil || routes[0].Method != "POST" || routes[0].Body != dispatch.BodyData || routes[0].Timeout != 0 {
		t.Fatalf("routes = %+v, %v", routes, err)
	}
	if _, err := dispatch.ParseEnvRoutes("orders.created http://x/t0ken"); err == nil || strings.Contains(err.Error(), "t0ken") ||
		!strings.Contains(err.Error(), "entry 1 is not <topic>=<url>") {
		t.Errorf("err = %v", err)
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"2": 2 * time.Second, " 120 ": 2 * time.Minute, "0": 0,
		"Mon, 30 Nov 2026 12:00:30 GMT": 30 * time.Second, "Mon, 30 Nov 2026 11:00:00 GMT": 0,
		"99999999999999999999999": 100 * 365 * 24 * time.Hour,
	} {
		if got, ok := dispatch.ParseRetryAfter(in, now); !ok || got != want {
			t.Errorf("ParseRetryAfter(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "-1", "1.5", "soon", "2 s"} {
		if _, ok := dispatch.ParseRetryAfter(in, now); ok {
			t.Errorf("ParseRetryAfter(%q) accepted", in)
		}
	}
}

func TestConfigBounds(t *testing.T) {
	t.Parallel()
	for name, cfg := range map[string]dispatch.Config{
		"max_retry_after":  {MaxRetryAfter: 100 * time.Hour},
		"breaker failures": {Breaker: dispatch.BreakerConfig{Failures: -1}},
		"breaker cooldown": {Breaker: dispatch.BreakerConfig{Cooldown: time.Millisecond}},
		"attempts kept":    {AttemptsKept: 1000},
		"attempts TTL":     {AttemptsTTL: time.Second},
	} {
		if _, err := dispatch.New(cfg, nil, nil); !errors.Is(err, dispatch.ErrBadConfig) || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

func TestParseRoutesText(t *testing.T) {
	t.Parallel()
	routes, err := dispatch.ParseRoutesText(dispatch.YAMLRoutes,
		`[{"topic":"a","url":"https://a/hook","method":"PATCH","timeout":"5s","body":"envelope","headers":{"Authorization":"Bearer ${DISPATCH_TEST_TOKEN}"}},{"topic":"b","url":"http://b"}]`, testEnv)
	if err != nil {
		t.Fatal(err)
	}
	if len(routes) != 2 || routes[0].Method != "PATCH" || routes[0].Timeout != 5*time.Second || routes[0].Body != dispatch.BodyEnvelope ||
		routes[0].Headers.Get("Authorization") != "Bearer s3cret-token" || routes[1].URL.Host != "b" {
		t.Errorf("routes = %+v", routes)
	}
	if routes, err := dispatch.ParseRoutesText(dispatch.EnvRoutes, "a=http://a", testEnv); err != nil || len(routes) != 1 {
		t.Errorf("env form: %v, %v", routes, err)
	}
	for text, want := range map[string]string{
		`[{"topic":"a","url":"http://a","bodyy":"data"}]`: `dispatch.routes: unknown field "bodyy"`,
		`[{"topic":"a","url":"http://a","timeout":5}]`:    `dispatch.routes: field "timeout": want a string, not a JSON number`,
		`[{"topic":"a","url":"http://a"}`:                 `dispatch.routes: invalid JSON: it ends before the list of routes does`,
		`[{"topic":"a","url":"http://a"},x]`:              `dispatch.routes: invalid JSON at byte 33`,
		`[1]`:                                             `dispatch.routes: want a JSON list of routes, not a JSON number`,
	} {
		if _, err := dispatch.ParseRoutesText(dispatch.YAMLRoutes, text, testEnv); err == nil || err.Error() != want {
			t.Errorf("ParseRoutesText(%s) = %v, want %s", text, err, want)
		}
	}
}

func TestNewRefusesARouteWithoutURL(t *testing.T) {
	t.Parallel()
	_, err := dispatch.New(dispatch.Config{Routes: []dispatch.Route{{Topic: "orders", Method: "POST"}}}, nil, logger.Nop())
	if err == nil || !strings.Contains(err.Error(), "orders") || !strings.Contains(err.Error(), "no URL") {
		t.Errorf("New = %v, want an error naming the topic and the missing URL", err)
	}
}

// A route's log line shows the timeout its requests get: DefaultTimeout
// when it sets none.
func TestRouteLogsItsEffectiveTimeout(t *testing.T) {
	t.Parallel()
	for timeout, want := range map[time.Duration]string{0: dispatch.DefaultTimeout.String(), 5 * time.Second: "5s"} {
		r := dispatch.Route{Topic: "a", URL: &url.URL{Scheme: "http", Host: "a"}, Timeout: timeout}
		got := ""
		for _, a := range r.LogValue().Group() {
			if a.Key == "timeout" {
				got = a.Value.String()
			}
		}
		if got != want {
			t.Errorf("timeout %v: logged %q, want %q", timeout, got, want)
		}
	}
}

package dispatch_test

import (
	"strings"
	"testing"
	"time"

	"goweb/services/gateway-worker/internal/dispatch"
)

// FuzzParseEnvRoutes: DISPATCH_ROUTES never panics the parser, and what it
// accepts is a route list whose errors never quote a URL's query.
func FuzzParseEnvRoutes(f *testing.F) {
	for _, s := range []string{
		"orders.created=http://orders:8080/hooks/created;payments.done=https://pay.internal/hooks",
		"a=", "=http://x", ";;", "a=b=c", "a=http://[::1]:80/x?token=t0ken", "a=http://x;a=http://y", "é=http://x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		raw, err := dispatch.ParseEnvRoutes(s)
		if err != nil {
			return
		}
		routes, err := dispatch.ParseRoutes(dispatch.EnvRoutes, raw, func(string) (string, bool) { return "", false })
		if err != nil {
			if strings.Contains(s, "t0ken") && strings.Contains(err.Error(), "t0ken") {
				t.Errorf("error quotes a URL's token: %v", err)
			}
			return
		}
		for _, r := range routes {
			if r.URL == nil || (r.URL.Scheme != "http" && r.URL.Scheme != "https") || r.URL.Host == "" || r.Method != "POST" {
				t.Errorf("accepted route %+v", r)
			}
		}
	})
}

// FuzzParseRetryAfter: any header value gives a non-negative delay or is
// refused.
func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"2", "120", "Mon, 30 Nov 2026 12:00:30 GMT", "Monday, 30-Nov-26 12:00:30 GMT", "-1", "1e9", "99999999999999999999"} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := dispatch.ParseRetryAfter(s, now)
		if ok && d < 0 {
			t.Errorf("ParseRetryAfter(%q) = %v", s, d)
		}
		if !ok && d != 0 {
			t.Errorf("ParseRetryAfter(%q) refused with %v", s, d)
		}
	})
}

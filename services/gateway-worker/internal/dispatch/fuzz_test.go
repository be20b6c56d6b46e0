package dispatch_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"goweb/services/gateway-worker/internal/dispatch"
)

// FuzzParseRoutesText: dispatch.routes (DISPATCH_ROUTES), in either form,
// never panics the parser; what it accepts are valid routes, and its
// errors never quote a URL's query.
// quotedTopic matches where a route error quotes the route's topic.
var quotedTopic = regexp.MustCompile(`(\(topic|invalid topic) "(?:[^"\\]|\\.)*"`)

func FuzzParseRoutesText(f *testing.F) {
	for _, s := range []string{
		"orders.created=http://orders:8080/hooks/created;payments.done=https://pay.internal/hooks",
		"a=", "=http://x", ";;", "a=b=c", "a=http://[::1]:80/x?token=t0ken", "a=http://x;a=http://y", "é=http://x",
		`[{"topic":"a","url":"http://x?token=t0ken","headers":{"X":"${V}"},"signing_secrets":["whsec_x"],"body":"envelope"}]`,
		`[{"topic":"a","url":"https://x","timeout":"5s","method":"PUT","forward_headers":["x-a"]}]`, `[{"topic":1}]`, `[{"nope":1}]`, `[`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		routes, err := dispatch.ParseRoutesText(dispatch.EnvRoutes, s, func(string) (string, bool) { return "", false })
		if err != nil {
			// A topic may say token=t0ken and be quoted, in every line's
			// (topic "...") and as an invalid topic; a URL's query
			// (token=t0ken in the seeds) never is.
			rest := quotedTopic.ReplaceAllString(err.Error(), "")
			if strings.Contains(s, "token=t0ken") && strings.Contains(rest, "token=t0ken") {
				t.Errorf("error quotes a URL's token: %v", err)
			}
			return
		}
		for _, r := range routes {
			if r.URL == nil || (r.URL.Scheme != "http" && r.URL.Scheme != "https") || r.URL.Host == "" || r.Topic == "" {
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

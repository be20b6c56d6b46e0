package admin_test

import (
	"slices"
	"strings"
	"testing"

	"goweb/pkg/logger"
	"goweb/services/gateway-worker/internal/admin"
)

func TestPauseResume(t *testing.T) {
	t.Parallel()
	b := setup(t, admin.Options{Token: token})
	b.h = admin.New(b.m, admin.Options{Token: token, Log: logger.NewWithOptions(logger.Options{Output: b.logs}), Limits: map[string]admin.Limits{
		b.topic: {RateLimit: "50/s", GlobalConcurrency: 5},
	}})
	var p struct {
		Topic  string `json:"topic"`
		Paused bool   `json:"paused"`
	}
	if r := b.do(t, "POST", b.path("/messages"), `{"data":{}}`, token); r.code != 201 {
		t.Fatalf("publish: %d %s", r.code, r.body)
	}
	r := b.do(t, "POST", b.path("/pause"), "", token)
	if r.code != 200 {
		t.Fatalf("pause: %d %s", r.code, r.body)
	}
	r.json(t, &p)
	if p.Topic != b.topic || !p.Paused || !b.stats(t).Paused {
		t.Fatalf("pause answered %+v, stats paused %v", p, b.stats(t).Paused)
	}

	var one struct {
		Stats struct {
			Paused bool `json:"paused"`
			Limits struct {
				RateLimit         string `json:"rate_limit"`
				GlobalConcurrency int    `json:"global_concurrency"`
			} `json:"limits"`
		} `json:"stats"`
	}
	b.do(t, "GET", b.path(""), "", token).json(t, &one)
	if !one.Stats.Paused || one.Stats.Limits.RateLimit != "50/s" || one.Stats.Limits.GlobalConcurrency != 5 {
		t.Errorf("GET /v1/topics/{topic} = %+v, want paused with 50/s and 5", one)
	}
	var all struct {
		Topics []struct {
			Topic  string        `json:"topic"`
			Paused bool          `json:"paused"`
			Limits *admin.Limits `json:"limits"`
		} `json:"topics"`
	}
	b.do(t, "GET", "/v1/topics", "", token).json(t, &all)
	found := false
	for _, e := range all.Topics {
		if e.Topic == b.topic {
			found = true
			if !e.Paused || e.Limits == nil || *e.Limits != (admin.Limits{RateLimit: "50/s", GlobalConcurrency: 5}) {
				t.Errorf("GET /v1/topics entry = %+v", e)
			}
		} else if e.Limits != nil {
			t.Errorf("topic %s has limits %+v, want none", e.Topic, e.Limits)
		}
	}
	if !found {
		t.Errorf("GET /v1/topics does not list the paused topic")
	}

	r = b.do(t, "POST", b.path("/resume"), "", token)
	r.json(t, &p)
	if r.code != 200 || p.Paused || b.stats(t).Paused {
		t.Fatalf("resume: %d %s, stats paused %v", r.code, r.body, b.stats(t).Paused)
	}
	if !strings.Contains(b.logs.String(), "topic flow changed") {
		t.Error("pause and resume are not logged")
	}
}

// TestPauseBadInput: refused requests answer why and pause nothing.
func TestPauseBadInput(t *testing.T) {
	t.Parallel()
	b := setup(t, admin.Options{Token: token})
	for _, tc := range []struct {
		name, method, path, body, tok string
		code                          int
		want                          string
	}{
		{"bad topic", "POST", "/v1/topics/a%7Bb%7D/pause", "", token, 400, "topic: invalid topic"},
		{"an unknown field", "POST", b.path("/pause"), `{"paused":true}`, token, 400, `body: unknown field \"paused\"`},
		{"a body to resume", "POST", b.path("/resume"), `{"force":true}`, token, 400, "body: want none"},
		{"a topic never used", "POST", b.path("/pause"), "", token, 404,
			`topic \"` + b.topic + `\" was never published to or consumed (a typo?); to pause it before its first use, send {\"force\":true}`},
		{"force false", "POST", b.path("/pause"), `{"force":false}`, token, 404, "was never published to or consumed"},
		{"no token", "POST", b.path("/pause"), "", "", 401, ""},
		{"wrong method", "GET", b.path("/pause"), "", token, 405, ""},
	} {
		r := b.do(t, tc.method, tc.path, tc.body, tc.tok)
		if r.code != tc.code || !strings.Contains(r.body, tc.want) {
			t.Errorf("%s: %d %s, want %d with %q", tc.name, r.code, r.body, tc.code, tc.want)
		}
	}
	if b.stats(t).Paused {
		t.Error("a refused request paused the topic")
	}
}

// TestPauseForce: {"force":true} pauses a topic before its first use,
// without listing it; the resume leaves no trace of it. A resume of a
// topic neither used nor paused is refused as a typo, as a pause is.
func TestPauseForce(t *testing.T) {
	t.Parallel()
	b := setup(t, admin.Options{Token: token})
	if r := b.do(t, "POST", b.path("/resume"), "", token); r.code != 404 || !strings.Contains(r.body, "was never published to or consumed (a typo?); it is not paused either") {
		t.Errorf("resume of an unused topic: %d %s, want 404 naming the typo", r.code, r.body)
	}
	if r := b.do(t, "POST", b.path("/pause"), `{"force":true}`, token); r.code != 200 || !b.stats(t).Paused {
		t.Fatalf("pause with force: %d %s", r.code, r.body)
	}
	if r := b.do(t, "POST", b.path("/resume"), "", token); r.code != 200 || b.stats(t).Paused {
		t.Fatalf("resume: %d %s", r.code, r.body)
	}
	topics, err := b.m.Inspector().Topics(t.Context())
	if err != nil || slices.Contains(topics, b.topic) {
		t.Errorf("topics after a forced pause and resume: %v, %v; want %s not listed", topics, err, b.topic)
	}
}

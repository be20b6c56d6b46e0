package admin_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"goweb/pkg/logger"
	"goweb/pkg/redis"
	"goweb/pkg/redis/redistest"
	"goweb/services/gateway-worker/internal/admin"
	"goweb/services/gateway-worker/internal/servicetest"
)

func TestMain(m *testing.M) { servicetest.Main(m) }

const token = "s3cret-admin-token"

type bundle struct {
	m     *redis.Manager
	topic string
	h     http.Handler
	logs  *servicetest.Buffer
}

// setup serves the API with token for a manager of the package's Redis and
// a topic of the test's own.
func setup(t *testing.T, opts admin.Options) *bundle {
	t.Helper()
	b := &bundle{m: servicetest.Manager(t, servicetest.Redis.Addr), topic: redistest.Topic(t), logs: &servicetest.Buffer{}}
	opts.Log = logger.NewWithOptions(logger.Options{Output: b.logs, Level: "debug"})
	b.h = admin.New(b.m, opts)
	return b
}

type response struct {
	code   int
	header http.Header
	body   string
}

func (r response) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.body), v); err != nil {
		t.Fatalf("response %d %q: %v", r.code, r.body, err)
	}
}

// do sends a request with the bearer token tok ("" for none).
func (b *bundle) do(t *testing.T, method, target, body, tok string) response {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	rec := httptest.NewRecorder()
	b.h.ServeHTTP(rec, req)
	raw, _ := io.ReadAll(rec.Body)
	return response{rec.Code, rec.Header(), string(raw)}
}

func (b *bundle) path(suffix string) string { return "/v1/topics/" + b.topic + suffix }

func (b *bundle) stats(t *testing.T) *redis.TopicStats {
	t.Helper()
	s, err := b.m.Inspector().Stats(context.Background(), b.topic)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// kill consumes n messages of the topic with a handler that fails them
// without retry, so they become dead letters.
func (b *bundle) kill(t *testing.T, n int) {
	t.Helper()
	events := make(chan redis.Event, n)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- b.m.GetQueue().Subscribe(ctx, b.topic, func(context.Context, *redis.Message) error {
			return redis.SkipRetry(errors.New("boom"))
		}, redis.WithObserver(func(e redis.Event) { events <- e }))
	}()
	timeout := time.After(20 * time.Second)
	for i := 0; i < n; i++ {
		select {
		case <-events:
		case <-timeout:
			t.Fatalf("%d of %d messages dead-lettered", i, n)
		}
	}
	// The observer hears of a failure before the settler writes the dead
	// letter, and entries no handler sees (invalid ones) are dead-lettered
	// without an event: stop only when nothing is waiting or held.
	servicetest.Eventually(t, 20*time.Second, fmt.Sprintf("%d dead letters and nothing pending", n), func() bool {
		s, err := b.m.Inspector().Stats(context.Background(), b.topic)
		return err == nil && s.Dead >= int64(n) && s.Pending == 0 && s.InFlight == 0
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestAuth(t *testing.T) {
	t.Parallel()
	disabled := setup(t, admin.Options{})
	for _, tc := range []struct{ method, path string }{
		{http.MethodGet, "/v1/topics"},
		{http.MethodPost, disabled.path("/messages")},
		{http.MethodDelete, disabled.path("/dead")},
		{http.MethodGet, "/v1/nope"},
	} {
		r := disabled.do(t, tc.method, tc.path, `{"data":{}}`, token)
		if r.code != http.StatusForbidden || r.body != `{"error":"admin API disabled: set ADMIN_TOKEN"}`+"\n" {
			t.Errorf("disabled: %s %s = %d %s", tc.method, tc.path, r.code, r.body)
		}
	}

	b := setup(t, admin.Options{Token: token})
	for name, header := range map[string]string{
		"missing":      "",
		"wrong":        "Bearer not-the-token",
		"prefix":       "Bearer " + token[:5],
		"longer":       "Bearer " + token + "x",
		"basic":        "Basic " + token,
		"no scheme":    token,
		"empty bearer": "Bearer ",
	} {
		req := httptest.NewRequest(http.MethodGet, "/v1/topics", nil)
		if header != "" {
			req.Header.Set("Authorization", header)
		}
		rec := httptest.NewRecorder()
		b.h.ServeHTTP(rec, req)
		if rec.Code != http.StatusUnauthorized || !strings.Contains(rec.Body.String(), `"error":"missing or wrong bearer token"`) {
			t.Errorf("%s: %d %s", name, rec.Code, rec.Body)
		}
		if rec.Header().Get("WWW-Authenticate") == "" {
			t.Errorf("%s: no WWW-Authenticate", name)
		}
	}
	if r := b.do(t, http.MethodGet, "/v1/topics", "", token); r.code != http.StatusOK {
		t.Errorf("right token: %d %s", r.code, r.body)
	}
	req := httptest.NewRequest(http.MethodGet, "/v1/topics", nil)
	req.Header.Set("Authorization", "bearer "+token) // the scheme is case-insensitive
	rec := httptest.NewRecorder()
	b.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Errorf("lower-case scheme: %d", rec.Code)
	}
	if strings.Contains(b.logs.String(), token) || !strings.Contains(b.logs.String(), "refused") {
		t.Errorf("log shows the token or not the refusals:\n%s", b.logs)
	}
}

func TestPublish(t *testing.T) {
	t.Parallel()
	b := setup(t, admin.Options{Token: token})

	r := b.do(t, http.MethodPost, b.path("/messages"), `{"data":{"order_id":12345678901234567890,"user":"u1"},"headers":{"trace":"abc"}}`, token)
	var got struct{ ID string }
	r.json(t, &got)
	if r.code != http.StatusCreated || got.ID == "" {
		t.Fatalf("publish: %d %s", r.code, r.body)
	}
	entries, err := b.m.Client().LRange(context.Background(), "mq:"+b.topic, 0, -1).Result()
	if err != nil || len(entries) != 1 {
		t.Fatalf("pending entries %q, %v", entries, err)
	}
	for _, want := range []string{`"id":"` + got.ID + `"`, `12345678901234567890`, `"trace":"abc"`, `"user":"u1"`} {
		if !strings.Contains(entries[0], want) {
			t.Errorf("entry %s lacks %s", entries[0], want)
		}
	}

	r = b.do(t, http.MethodPost, b.path("/messages"), `{"data":{},"id":"order-42"}`, token)
	if r.code != http.StatusCreated || r.body != `{"id":"order-42"}`+"\n" {
		t.Errorf("with id: %d %s", r.code, r.body)
	}
	if s := b.stats(t); s.Pending != 2 || s.Delayed != 0 {
		t.Errorf("after two immediate publishes: %+v", s)
	}

	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	past := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	for _, body := range []string{
		`{"data":{"n":1},"delay":"5s"}`,
		`{"data":{"n":2},"delay_ms":5000}`,
		`{"data":{"n":3},"process_at":"` + future + `"}`,
	} {
		if r := b.do(t, http.MethodPost, b.path("/messages"), body, token); r.code != http.StatusCreated {
			t.Errorf("%s: %d %s", body, r.code, r.body)
		}
	}
	if r := b.do(t, http.MethodPost, b.path("/messages"), `{"data":{"n":4},"process_at":"`+past+`"}`, token); r.code != http.StatusCreated {
		t.Errorf("past process_at: %d %s", r.code, r.body)
	}
	if s := b.stats(t); s.Pending != 3 || s.Delayed != 3 {
		t.Errorf("want 3 pending and 3 delayed, got %+v", s)
	}

	dedup := `{"data":{},"dedup_key":"order-42-reminder","dedup_ttl":"1h"}`
	if r := b.do(t, http.MethodPost, b.path("/messages"), dedup, token); r.code != http.StatusCreated {
		t.Errorf("first dedup publish: %d %s", r.code, r.body)
	}
	r = b.do(t, http.MethodPost, b.path("/messages"), dedup, token)
	if r.code != http.StatusConflict || !strings.Contains(r.body, "dedup_key") {
		t.Errorf("second dedup publish: %d %s", r.code, r.body)
	}
	if s := b.stats(t); s.Pending != 4 {
		t.Errorf("the duplicate was published: %+v", s)
	}
}

func TestPublishBatch(t *testing.T) {
	t.Parallel()
	b := setup(t, admin.Options{Token: token})
	r := b.do(t, http.MethodPost, b.path("/messages:batch"), `{"messages":[{"data":{"n":1}},{"data":{"n":2}},{"data":{"n":3}}]}`, token)
	var got struct{ IDs []string }
	r.json(t, &got)
	if r.code != http.StatusCreated || len(got.IDs) != 3 || got.IDs[0] == got.IDs[1] {
		t.Fatalf("batch: %d %s", r.code, r.body)
	}
	r = b.do(t, http.MethodPost, b.path("/messages:batch"), `{"messages":[{"data":{}},{"data":{}}],"delay":"1m","headers":{"k":"v"}}`, token)
	if r.code != http.StatusCreated {
		t.Fatalf("delayed batch: %d %s", r.code, r.body)
	}
	if s := b.stats(t); s.Pending != 3 || s.Delayed != 2 {
		t.Errorf("want 3 pending, 2 delayed: %+v", s)
	}
}

func TestInspectAndRepair(t *testing.T) {
	t.Parallel()
	b := setup(t, admin.Options{Token: token})
	for i := range 4 {
		if r := b.do(t, http.MethodPost, b.path("/messages"), fmt.Sprintf(`{"data":{"n":%d},"id":"m%d"}`, i, i), token); r.code != http.StatusCreated {
			t.Fatalf("publish: %d %s", r.code, r.body)
		}
	}
	b.kill(t, 4)
	if r := b.do(t, http.MethodPost, b.path("/messages"), `{"data":{"n":9}}`, token); r.code != http.StatusCreated {
		t.Fatalf("publish: %d %s", r.code, r.body)
	}

	var all struct{ Topics []redis.TopicStats }
	r := b.do(t, http.MethodGet, "/v1/topics", "", token)
	r.json(t, &all)
	found := false
	for _, s := range all.Topics {
		if s.Topic == b.topic {
			found = true
			if s.Pending != 1 || s.Dead != 4 || s.Failed != 4 {
				t.Errorf("GET /v1/topics: %+v", s)
			}
		}
	}
	if r.code != http.StatusOK || !found {
		t.Errorf("GET /v1/topics: %d, topic listed: %v", r.code, found)
	}

	var one struct {
		Stats     redis.TopicStats
		Consumers []redis.ConsumerInfo
	}
	r = b.do(t, http.MethodGet, b.path(""), "", token)
	r.json(t, &one)
	if r.code != http.StatusOK || one.Stats.Topic != b.topic || one.Stats.Dead != 4 || one.Consumers == nil {
		t.Errorf("GET topic: %d %s", r.code, r.body)
	}

	var dead struct {
		Total       int64
		Limit       int
		DeadLetters []redis.DeadLetter `json:"dead_letters"`
	}
	r = b.do(t, http.MethodGet, b.path("/dead?limit=3&offset=1"), "", token)
	r.json(t, &dead)
	if r.code != http.StatusOK || dead.Total != 4 || dead.Limit != 3 || len(dead.DeadLetters) != 3 {
		t.Fatalf("GET dead: %d %s", r.code, r.body)
	}
	if dl := dead.DeadLetters[0]; !strings.Contains(dl.Reason, "boom") || dl.Attempt != 1 || dl.ID == "" || dl.FailedAt.IsZero() || !strings.Contains(dl.Entry, `"data"`) {
		t.Errorf("dead letter: %+v", dl)
	}

	if r := b.do(t, http.MethodPost, b.path("/dead/requeue"), `{"ids":["m2","nonexistent"]}`, token); r.code != http.StatusOK || r.body != `{"requeued":1}`+"\n" {
		t.Errorf("requeue one: %d %s", r.code, r.body)
	}
	if s := b.stats(t); s.Pending != 2 || s.Dead != 3 {
		t.Errorf("after requeueing one: %+v", s)
	}
	if r := b.do(t, http.MethodPost, b.path("/dead/requeue"), `{"all":true}`, token); r.code != http.StatusOK || r.body != `{"requeued":3}`+"\n" {
		t.Errorf("requeue all: %d %s", r.code, r.body)
	}
	if s := b.stats(t); s.Pending != 5 || s.Dead != 0 {
		t.Errorf("after requeueing all: %+v", s)
	}
	b.kill(t, 5)
	if r := b.do(t, http.MethodDelete, b.path("/dead"), "", token); r.code != http.StatusOK || r.body != `{"purged":5}`+"\n" {
		t.Errorf("purge: %d %s", r.code, r.body)
	}
	if s := b.stats(t); s.Dead != 0 {
		t.Errorf("after purge: %+v", s)
	}
	logs := b.logs.String()
	if !strings.Contains(logs, "requeued dead letters") || !strings.Contains(logs, "purged dead letters") {
		t.Errorf("mutations not logged:\n%s", logs)
	}
}

// Every bad request is a 4xx JSON error naming what is wrong.
func TestBadInput(t *testing.T) {
	t.Parallel()
	b := setup(t, admin.Options{Token: token, MaxBatch: 3})
	msgs := b.path("/messages")
	batch := b.path("/messages:batch")
	requeue := b.path("/dead/requeue")
	tests := []struct {
		name, method, path, body string
		code                     int
		want                     string
	}{
		{"topic with space", "POST", "/v1/topics/bad%20topic/messages", `{"data":{}}`, 400, "topic: invalid topic"},
		{"topic with braces", "POST", "/v1/topics/a%7Bb%7D/messages", `{"data":{}}`, 400, "topic: invalid topic"},
		{"topic with slash", "GET", "/v1/topics/a%2Fb/dead", "", 400, "topic: invalid topic"},
		{"empty topic", "POST", "/v1/topics//messages", `{"data":{}}`, 400, `topic: invalid topic \"\": empty`},
		{"dot-dot topic", "POST", "/v1/topics/../messages", `{"data":{}}`, 400, `topic: invalid topic \"..\": made of dots only`},
		{"dot topic", "GET", "/v1/topics/./dead", "", 400, `topic: invalid topic \".\": made of dots only`},
		{"unclean path", "GET", "/v1//topics", "", 404, `no such endpoint: /v1//topics (a path has no empty`},
		{"unclean path after topic", "GET", "/v1/topics/t/../t/dead", "", 404, "no such endpoint: /v1/topics/t/../t/dead"},
		{"long topic", "GET", "/v1/topics/" + strings.Repeat("t", 201), "", 400, "longer than 200"},
		{"empty body", "POST", msgs, ``, 400, "body: empty"},
		{"not JSON", "POST", msgs, `data=1`, 400, "body: invalid JSON at byte 1"},
		{"truncated", "POST", msgs, `{"data":{`, 400, "body: truncated JSON"},
		{"array body", "POST", msgs, `[1,2]`, 400, "body: want a JSON object, got array"},
		{"string body", "POST", msgs, `"x"`, 400, "body: want a JSON object"},
		{"unknown field", "POST", msgs, `{"data":{},"nope":1}`, 400, `body: unknown field \"nope\"`},
		{"trailing data", "POST", msgs, `{"data":{}} {}`, 400, "body: unexpected data after the JSON object"},
		{"no data", "POST", msgs, `{}`, 400, "data: required"},
		{"duplicate data", "POST", msgs, `{"data":{"a":1},"data":{"b":2}}`, 400, `body: the key \"data\" appears twice`},
		{"duplicate key in data", "POST", msgs, `{"data":{"a":{"x":1,"x":2}}}`, 400, `data.a: the key \"x\" appears twice`},
		{"duplicate key in batch", "POST", batch, `{"messages":[{"data":{}},{"data":{"k":[{"z":1,"z":1}]}}]}`, 400, `messages[1].data.k[0]: the key \"z\" appears twice`},
		{"duplicate ids", "POST", requeue, `{"ids":["a"],"ids":["b"]}`, 400, `body: the key \"ids\" appears twice`},
		{"number beyond float64", "POST", msgs, `{"data":{"e":1e400}}`, 400, "data.e: the number 1e400 is out of the range of a 64-bit float"},
		{"number beyond float64 in an array", "POST", msgs, `{"data":{"e":[1,-1e309]}}`, 400, "data.e[1]: the number -1e309 is out of the range"},
		{"null data", "POST", msgs, `{"data":null}`, 400, "data: required"},
		{"data not an object", "POST", msgs, `{"data":"hi"}`, 400, "data: want an object, got string"},
		{"data an array", "POST", msgs, `{"data":[1]}`, 400, "data: want an object, got array"},
		{"bad delay", "POST", msgs, `{"data":{},"delay":"soon"}`, 400, `delay: \"soon\" is not a duration`},
		{"negative delay", "POST", msgs, `{"data":{},"delay":"-1s"}`, 400, "delay: must not be negative"},
		{"huge delay", "POST", msgs, `{"data":{},"delay":"100000h"}`, 400, "delay: must be at most"},
		{"delay a number", "POST", msgs, `{"data":{},"delay":5}`, 400, "delay: want a string, got number"},
		{"negative delay_ms", "POST", msgs, `{"data":{},"delay_ms":-1}`, 400, "delay_ms: must be between 0 and"},
		{"huge delay_ms", "POST", msgs, `{"data":{},"delay_ms":1e300}`, 400, "delay_ms: want an integer"},
		{"fractional delay_ms", "POST", msgs, `{"data":{},"delay_ms":1.5}`, 400, "delay_ms: want an integer"},
		{"delay_ms a string", "POST", msgs, `{"data":{},"delay_ms":"5"}`, 400, "delay_ms: want an integer, got string"},
		{"two delays", "POST", msgs, `{"data":{},"delay":"1s","delay_ms":1000}`, 400, "give at most one"},
		{"delay and process_at", "POST", msgs, `{"data":{},"delay":"1s","process_at":"2030-01-01T00:00:00Z"}`, 400, "give at most one"},
		{"bad process_at", "POST", msgs, `{"data":{},"process_at":"tomorrow"}`, 400, `process_at: \"tomorrow\" is not an RFC 3339 time`},
		{"far process_at", "POST", msgs, `{"data":{},"process_at":"2999-01-01T00:00:00Z"}`, 400, "process_at: more than"},
		{"header not a string", "POST", msgs, `{"data":{},"headers":{"a":1}}`, 400, `error":"headers[\"a\"]: want a string, got number`},
		{"header null", "POST", msgs, `{"data":{},"headers":{"ok":"1","trace":null}}`, 400, `headers[\"trace\"]: want a string, got null`},
		{"headers not an object", "POST", msgs, `{"data":{},"headers":["a"]}`, 400, "headers: want an object, got array"},
		{"empty header name", "POST", msgs, `{"data":{},"headers":{"":"x"}}`, 400, "headers: empty header name"},
		{"empty id", "POST", msgs, `{"data":{},"id":""}`, 400, "id: must be 1 to 256 printable ASCII bytes"},
		{"id with space", "POST", msgs, `{"data":{},"id":"a b"}`, 400, "id: must be 1 to 256 printable ASCII bytes"},
		{"id with brace", "POST", msgs, `{"data":{},"id":"a}"}`, 400, "id: must be"},
		{"long id", "POST", msgs, `{"data":{},"id":"` + strings.Repeat("i", 257) + `"}`, 400, "id: must be"},
		{"id not a string", "POST", msgs, `{"data":{},"id":7}`, 400, "id: want a string"},
		{"dedup_key without ttl", "POST", msgs, `{"data":{},"dedup_key":"k"}`, 400, "dedup_ttl: required with dedup_key"},
		{"dedup_ttl without key", "POST", msgs, `{"data":{},"dedup_ttl":"1h"}`, 400, "dedup_key: empty or missing; dedup_ttl needs a dedup_key"},
		{"empty dedup_key", "POST", msgs, `{"data":{},"dedup_key":"","dedup_ttl":"1h"}`, 400, "dedup_key: empty or missing"},
		{"zero dedup_ttl", "POST", msgs, `{"data":{},"dedup_key":"k","dedup_ttl":"0s"}`, 400, "dedup_ttl: must be more than 0"},
		{"bad dedup_ttl", "POST", msgs, `{"data":{},"dedup_key":"k","dedup_ttl":"1 hour"}`, 400, "dedup_ttl: \\\"1 hour\\\" is not a duration"},
		{"long dedup_key", "POST", msgs, `{"data":{},"dedup_key":"` + strings.Repeat("k", 1025) + `","dedup_ttl":"1h"}`, 400, "dedup_key: longer than 1024"},
		{"body too large", "POST", msgs, `{"data":{"s":"` + strings.Repeat("x", 1<<20) + `"}}`, 413, "body: larger than 1048576 bytes"},
		{"trailing data too large", "POST", msgs, `{"data":{}}` + strings.Repeat(" ", 1<<20), 413, "body: larger than"},
		// The body fits, but the envelope around the data does not.
		{"payload too large", "POST", msgs, `{"data":{"s":"` + strings.Repeat("x", 1<<20-20) + `"}}`, 413, "data: payload too large"},

		{"empty batch", "POST", batch, `{"messages":[]}`, 400, "messages: required, 1 to 3 objects"},
		{"no messages", "POST", batch, `{}`, 400, "messages: required"},
		{"big batch", "POST", batch, `{"messages":[{"data":{}},{"data":{}},{"data":{}},{"data":{}}]}`, 400, "messages: 4 messages, at most 3"},
		{"batch item without data", "POST", batch, `{"messages":[{"data":{}},{}]}`, 400, "messages[1].data: required"},
		{"batch item null", "POST", batch, `{"messages":[null]}`, 400, "messages[0].data: required"},
		{"batch item with id", "POST", batch, `{"messages":[{"data":{},"id":"x"}]}`, 400, `error":"messages[0]: unknown field \"id\"`},
		{"batch item data a string", "POST", batch, `{"messages":[{"data":{}},{"data":"x"}]}`, 400, `error":"messages[1].data: want an object, got string`},
		{"batch item not an object", "POST", batch, `{"messages":[{"data":{}},{"data":{}},7]}`, 400, `error":"messages[2]: want a JSON object, got number`},
		{"batch item delay", "POST", batch, `{"messages":[{"data":{}},{"data":{},"delay":"5s"}]}`, 400, `error":"messages[1].delay: a batch has one due time for all its messages`},
		{"batch item delay_ms", "POST", batch, `{"messages":[{"data":{},"delay_ms":5}]}`, 400, `error":"messages[0].delay_ms: a batch has one due time`},
		{"batch item process_at", "POST", batch, `{"messages":[{"data":{},"process_at":"2030-01-01T00:00:00Z"}]}`, 400, `error":"messages[0].process_at: a batch has one due time`},
		{"batch with dedup", "POST", batch, `{"messages":[{"data":{}}],"dedup_key":"k"}`, 400, `body: unknown field \"dedup_key\"`},
		{"batch bad delay", "POST", batch, `{"messages":[{"data":{}}],"delay":"x"}`, 400, "delay: "},
		{"messages not an array", "POST", batch, `{"messages":{}}`, 400, "messages: want an array"},
		{"batch header not a string", "POST", batch, `{"messages":[{"data":{}}],"headers":{"k":true}}`, 400, `error":"headers[\"k\"]: want a string, got bool`},

		{"limit zero", "GET", b.path("/dead?limit=0"), "", 400, `limit: \"0\" is not an integer between 1 and 1000`},
		{"limit too big", "GET", b.path("/dead?limit=1001"), "", 400, "limit: "},
		{"limit not a number", "GET", b.path("/dead?limit=ten"), "", 400, "limit: "},
		{"negative offset", "GET", b.path("/dead?offset=-1"), "", 400, "offset: "},
		{"huge offset", "GET", b.path("/dead?offset=99999999999999999999"), "", 400, "offset: "},

		{"requeue nothing", "POST", requeue, `{}`, 400, "ids: required"},
		{"requeue empty ids", "POST", requeue, `{"ids":[]}`, 400, "ids: required"},
		{"requeue all false", "POST", requeue, `{"all":false}`, 400, "ids: required"},
		{"requeue both", "POST", requeue, `{"ids":["a"],"all":true}`, 400, "ids, all: give one, not both"},
		{"requeue empty id", "POST", requeue, `{"ids":["a",""]}`, 400, "ids[1]: must be 1 to 256 printable ASCII bytes"},
		{"requeue id with space", "POST", requeue, `{"ids":["x y"]}`, 400, "ids[0]: must be 1 to 256 printable ASCII bytes"},
		{"requeue long id", "POST", requeue, `{"ids":["` + strings.Repeat("i", 257) + `"]}`, 400, "ids[0]: must be 1 to 256"},
		{"requeue id not a string", "POST", requeue, `{"ids":[1]}`, 400, "ids: want a string"},
		{"requeue all a string", "POST", requeue, `{"all":"yes"}`, 400, "all: want true or false"},
		{"requeue too many", "POST", requeue, `{"ids":[` + strings.TrimSuffix(strings.Repeat(`"x",`, 1001), ",") + `]}`, 400, "ids: 1001 ids, at most 1000"},
		{"requeue unknown field", "POST", requeue, `{"id":"a"}`, 400, `unknown field \"id\"`},

		{"wrong method", "PUT", msgs, "", 405, "method not allowed: use POST, GET"},
		{"wrong method on dead", "PUT", b.path("/dead"), "", 405, "use GET, DELETE"},
		{"unknown path", "GET", "/v1/queues", "", 404, "no such endpoint: /v1/queues"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := b.do(t, tt.method, tt.path, tt.body, token)
			var e struct{ Error string }
			r.json(t, &e)
			if r.code != tt.code || !strings.Contains(r.body, tt.want) || e.Error == "" {
				t.Errorf("got %d %s, want %d containing %s", r.code, r.body, tt.code, tt.want)
			}
			if ct := r.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
	t.Cleanup(func() {
		if s := b.stats(t); s.Pending != 0 || s.Delayed != 0 {
			t.Errorf("a bad request published something: %+v", s)
		}
	})
}

// When Redis does not answer, the API says 503 without details: the
// address or a password stays in the log.
func TestRedisDown(t *testing.T) {
	t.Parallel()
	port, err := redistest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	m := servicetest.Manager(t, addr)
	logs := &servicetest.Buffer{}
	h := admin.New(m, admin.Options{Token: token, Timeout: time.Second, Log: logger.NewWithOptions(logger.Options{Output: logs})})
	for _, tc := range []struct{ method, path, body string }{
		{"GET", "/v1/topics", ""},
		{"GET", "/v1/topics/t1", ""},
		{"GET", "/v1/topics/t1/dead", ""},
		{"POST", "/v1/topics/t1/messages", `{"data":{}}`},
		{"POST", "/v1/topics/t1/messages:batch", `{"messages":[{"data":{}}]}`},
		{"POST", "/v1/topics/t1/dead/requeue", `{"all":true}`},
		{"DELETE", "/v1/topics/t1/dead", ""},
	} {
		req := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body))
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		body := rec.Body.String()
		if rec.Code != http.StatusServiceUnavailable || !strings.Contains(body, "queue unavailable: cannot reach Redis") || strings.Contains(body, fmt.Sprint(port)) {
			t.Errorf("%s %s: %d %s", tc.method, tc.path, rec.Code, body)
		}
	}
	if !strings.Contains(logs.String(), "queue error") || strings.Contains(logs.String(), token) {
		t.Errorf("log:\n%s", logs)
	}
}

package admin_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"goweb/pkg/config"
	"goweb/pkg/logger"
	"goweb/pkg/redis"
	"goweb/pkg/redis/redistest"
	"goweb/services/gateway-worker/internal/admin"
	"goweb/services/gateway-worker/internal/servicetest"
)

// A key of the topic holding the wrong type is reported as such, naming
// the topic, not as Redis not answering.
func TestWrongTypeNamesTheTopic(t *testing.T) {
	t.Parallel()
	// A server of its own: until every listing reports such a topic on its
	// own, GET /v1/topics fails for all topics of the server.
	b := setup(t, admin.Options{Token: token})
	b.m = servicetest.Manager(t, redistest.Start(t).Addr)
	b.h = admin.New(b.m, admin.Options{Token: token})
	// The pending list's key is the documented mq:<topic> (docs/wire-format.md).
	if err := b.m.Client().Set(context.Background(), "mq:"+b.topic, "x", 0).Err(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ method, path, body string }{
		{"GET", b.path(""), ""},
		{"POST", b.path("/messages"), `{"data":{}}`},
		{"GET", b.path("/messages"), ""},
	} {
		r := b.do(t, tc.method, tc.path, tc.body, token)
		want := fmt.Sprintf(`WRONGTYPE: a Redis key of topic \"%s\" holds the wrong type of value`, b.topic)
		if r.code != http.StatusInternalServerError || !strings.Contains(r.body, want) {
			t.Errorf("%s %s: %d %s, want 500 with %s", tc.method, tc.path, r.code, r.body, want)
		}
	}
}

// A Redis that stops answering is reported as a timeout with the time
// waited, not as Redis being unreachable.
func TestSlowRedisTimesOut(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	m := servicetest.Manager(t, srv.Addr)
	h := admin.New(m, admin.Options{Token: token, Timeout: 300 * time.Millisecond})
	topic := redistest.Topic(t)
	post := func() *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", "/v1/topics/"+topic+"/dead/requeue", strings.NewReader(`{"all":true}`))
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	if rec := post(); rec.Code != http.StatusOK {
		t.Fatalf("before the pause: %d %s", rec.Code, rec.Body)
	}
	srv.Pause()
	t.Cleanup(srv.Resume) // before the manager closes
	rec := post()
	t.Logf("paused Redis: %d %s", rec.Code, rec.Body)
	if rec.Code != http.StatusGatewayTimeout || !strings.Contains(rec.Body.String(), "queue timed out after ") ||
		!strings.Contains(rec.Body.String(), "Redis did not answer in time") || !strings.Contains(rec.Body.String(), "may or may not") {
		t.Errorf("paused Redis: %d %s", rec.Code, rec.Body)
	}
	// A read's timeout does not suggest that something may have changed.
	req := httptest.NewRequest("GET", "/v1/topics/"+topic, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusGatewayTimeout || !strings.Contains(rec.Body.String(), "a read changes nothing") {
		t.Errorf("paused Redis, a read: %d %s", rec.Code, rec.Body)
	}
}

// A client sending its body too slowly gets one clear sentence, not the
// socket error with its addresses.
func TestSlowBody(t *testing.T) {
	t.Parallel()
	b := setup(t, admin.Options{Token: token, Timeout: 300 * time.Millisecond})
	srv := httptest.NewServer(b.h)
	t.Cleanup(srv.Close)
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
	// Half the promised body, then silence.
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"data\":{", b.path("/messages"), token)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want := `{"error":"body: request body timed out after 300ms"}` + "\n"
	if resp.StatusCode != http.StatusRequestTimeout || string(body) != want {
		t.Errorf("slow body: %d %s, want 408 %s", resp.StatusCode, body, want)
	}
	if s := b.stats(t); s.Pending != 0 {
		t.Errorf("a timed-out body published: %+v", s)
	}
}

// 300 requests with a wrong token make a bounded number of log lines, not
// 300.
func TestRefusalsAreLoggedThrottled(t *testing.T) {
	t.Parallel()
	logs := &servicetest.Buffer{}
	b := setup(t, admin.Options{Token: token})
	b.h = admin.New(b.m, admin.Options{Token: token, Log: logger.NewWithOptions(logger.Options{Output: logs})})
	start := time.Now()
	for i := 0; i < 300; i++ {
		if r := b.do(t, "GET", "/v1/topics", "", "wrong"); r.code != http.StatusUnauthorized {
			t.Fatalf("request %d: %d %s", i, r.code, r.body)
		}
	}
	lines := strings.Count(logs.String(), "refused a request")
	// One line, and one more per LogInterval the loop took.
	if bound := 1 + int(time.Since(start)/admin.LogInterval); lines < 1 || lines > bound {
		t.Errorf("300 refusals made %d log lines, want 1 to %d:\n%s", lines, bound, logs)
	}
}

// A Redis at maxmemory (noeviction) is a 503 that says the queue is full
// and nothing was published, for one message and for a batch, while
// reading the queue still works (issue 15 part 3).
func TestFullRedisIs503(t *testing.T) {
	t.Parallel()
	own := redistest.Start(t, "--maxmemory-policy", "noeviction")
	b := setup(t, admin.Options{Token: token})
	b.m = servicetest.Manager(t, own.Addr)
	b.h = admin.New(b.m, admin.Options{Token: token})
	if r := b.do(t, "POST", b.path("/messages"), `{"data":{"n":1}}`, token); r.code/100 != 2 {
		t.Fatalf("publish before Redis is full: %d %s", r.code, r.body)
	}
	// A limit below what an empty Redis uses: every write that needs memory
	// is refused.
	if err := own.Client(t).ConfigSet(context.Background(), "maxmemory", "1").Err(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ path, body string }{
		{b.path("/messages"), `{"data":{"n":2}}`},
		{b.path("/messages:batch"), `{"messages":[{"data":{"n":3}}]}`},
	} {
		r := b.do(t, "POST", tc.path, tc.body, token)
		if r.code != http.StatusServiceUnavailable || !strings.Contains(r.body, "queue full") || !strings.Contains(r.body, "nothing was published") {
			t.Errorf("POST %s on a full Redis: %d %s, want 503 saying the queue is full", tc.path, r.code, r.body)
		}
		if got := r.header.Get("Retry-After"); got != "5" {
			t.Errorf("POST %s on a full Redis: Retry-After %q, want 5", tc.path, got)
		}
	}
	if r := b.do(t, "GET", b.path(""), "", token); r.code != http.StatusOK || !strings.Contains(r.body, `"pending":1`) {
		t.Fatalf("GET topic on a full Redis: %d %s, want 200 with the one message published before", r.code, r.body)
	}
}

// A publish that fewer replicas than REDIS_WAIT_REPLICAS confirmed is a
// 504, not the 503 of a publish that stored nothing: the body says stored
// and names the id (all ids of a batch), and the messages are queued.
func TestNotReplicatedIs504(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t) // no replicas
	host, port, _ := net.SplitHostPort(srv.Addr)
	p, _ := strconv.Atoi(port)
	m := redis.NewManager(&config.RedisConfig{Host: host, Port: p}, logger.Nop(), redis.WithDefaultReplicaAck(1, 10*time.Millisecond))
	t.Cleanup(func() { _ = m.Close() })
	b := setup(t, admin.Options{Token: token})
	b.m = m
	b.h = admin.New(m, admin.Options{Token: token})
	var one struct {
		Error  string `json:"error"`
		Stored bool   `json:"stored"`
		ID     string `json:"id"`
	}
	r := b.do(t, "POST", b.path("/messages"), `{"data":{},"id":"mine-1"}`, token)
	r.json(t, &one)
	if r.code != http.StatusGatewayTimeout || !one.Stored || one.ID != "mine-1" ||
		!strings.Contains(one.Error, "confirmed by 0 of 1 replicas") || !strings.Contains(one.Error, "the message is stored") ||
		!strings.Contains(one.Error, "dedup_key") {
		t.Errorf("POST: %d %s, want 504 stored, id mine-1, saying 0 of 1 replicas confirmed and how to retry", r.code, r.body)
	}
	var many struct {
		Stored bool     `json:"stored"`
		IDs    []string `json:"ids"`
	}
	r = b.do(t, "POST", b.path("/messages:batch"), `{"messages":[{"data":{"n":1}},{"data":{"n":2}}]}`, token)
	r.json(t, &many)
	if r.code != http.StatusGatewayTimeout || !many.Stored || len(many.IDs) != 2 || !strings.Contains(r.body, "the messages are stored") {
		t.Errorf("POST batch: %d %s, want 504 stored with the 2 ids", r.code, r.body)
	}
	if r := b.do(t, "GET", b.path(""), "", token); r.code != http.StatusOK || !strings.Contains(r.body, `"pending":3`) {
		t.Errorf("GET topic: %d %s, want the 3 messages stored", r.code, r.body)
	}
}

// The request's timeout bounds every read, whatever REDIS_READ_TIMEOUT
// is: with a shorter read timeout, the pipelined reads (the topics with
// their sparklines, a lookup) wait the request's timeout as the single
// commands do, rather than giving up at the read timeout. The five
// requests run at the same time, each on a connection of its own.
func TestReadsWaitTheRequestTimeout(t *testing.T) {
	t.Parallel()
	const timeout = 700 * time.Millisecond
	srv := redistest.Start(t)
	rc := servicetest.RedisConfig(srv.Addr)
	rc.ReadTimeout = 100 * time.Millisecond
	m := redis.NewManager(&rc, logger.Nop())
	h := admin.New(m, admin.Options{Token: token, Timeout: timeout})
	topic := redistest.Topic(t)
	if _, err := m.GetQueue().Enqueue(servicetest.Ctx(t), topic, map[string]any{"n": 1}); err != nil {
		t.Fatal(err)
	}
	srv.Pause()
	t.Cleanup(func() { srv.Resume(); _ = m.Close() }) // resume before the manager closes
	targets := []string{"/v1/topics?limit=50&spark=30", "/v1/topics/" + topic + "/messages:lookup?id=x", "/v1/topics/" + topic, "/v1/redis", "/v1/history"}
	recs := make([]*httptest.ResponseRecorder, len(targets))
	took := make([]time.Duration, len(targets))
	var wg sync.WaitGroup
	for i, target := range targets {
		wg.Go(func() {
			req := httptest.NewRequest("GET", target, nil)
			req.Header.Set("Authorization", "Bearer "+token)
			recs[i] = httptest.NewRecorder()
			start := time.Now()
			h.ServeHTTP(recs[i], req)
			took[i] = time.Since(start)
		})
	}
	wg.Wait()
	// The answer says how long the request waited, to the tenth of a
	// second: at least the request's timeout, and not much more than it
	// (2 s of slack for a loaded machine; a read the request's timeout did
	// not bound would wait as long as Redis is paused).
	waitedRE := regexp.MustCompile(`queue timed out after (\S+): `)
	for i, target := range targets {
		rec := recs[i]
		var waited time.Duration
		if match := waitedRE.FindStringSubmatch(rec.Body.String()); match != nil {
			waited, _ = time.ParseDuration(match[1])
		}
		if rec.Code != http.StatusGatewayTimeout || waited < timeout || took[i] < timeout || took[i] > timeout+2*time.Second {
			t.Errorf("GET %s: %d %s after %v, want 504 after the request's %v", target, rec.Code, rec.Body, took[i], timeout)
		}
	}
}

package dispatch_test

import (
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"goweb/pkg/redis"
	"goweb/services/gateway-worker/internal/dispatch"
)

func TestDeliversDataWithHeaders(t *testing.T) {
	t.Parallel()
	b := setup(t)
	route := b.route(t, func(r *dispatch.RawRoute) {
		r.Method = "put"
		r.Headers = map[string]string{"Authorization": "Bearer ${DISPATCH_TEST_TOKEN}"}
		r.ForwardHeaders = []string{"x-tenant"}
	})
	b.start(t, dispatch.Config{Routes: []dispatch.Route{route}})
	b.publish(t, map[string]interface{}{"order_id": "12345", "amount": 299.99},
		redis.WithHeaders(map[string]string{"x-tenant": "acme", "x-private": "no", "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}))
	eventually(t, "delivery", func() bool { return b.stats(t).Processed == 1 })
	got := b.recv.all()[0]
	if got.method != http.MethodPut || got.path != "/hook" || string(got.body) != `{"amount":299.99,"order_id":"12345"}` {
		t.Errorf("request %s %s %s", got.method, got.path, got.body)
	}
	h := got.header
	for name, want := range map[string]string{
		"Content-Type": "application/json", "Authorization": "Bearer s3cret-token", "X-Tenant": "acme",
		"Traceparent":        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
		dispatch.HeaderTopic: b.topic, dispatch.HeaderAttempt: "1",
	} {
		if h.Get(name) != want {
			t.Errorf("%s = %q, want %q", name, h.Get(name), want)
		}
	}
	if h.Get("X-Private") != "" || h.Get("Webhook-Id") == "" || h.Get("Webhook-Signature") != "" {
		t.Errorf("headers = %v: want the id, no signature without a secret, no unlisted message header", h)
	}
}

func TestEnvelopeBody(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.start(t, dispatch.Config{Routes: []dispatch.Route{b.route(t, func(r *dispatch.RawRoute) { r.Body = "envelope" })}})
	b.publish(t, map[string]interface{}{"n": 1}, redis.WithID("order-1"), redis.WithHeaders(map[string]string{"k": "v"}))
	eventually(t, "delivery", func() bool { return b.stats(t).Processed == 1 })
	var env struct {
		ID      string            `json:"id"`
		Topic   string            `json:"topic"`
		TS      int64             `json:"ts"`
		Attempt int               `json:"attempt"`
		Headers map[string]string `json:"headers"`
		Data    map[string]any    `json:"data"`
	}
	if err := json.Unmarshal(b.recv.all()[0].body, &env); err != nil {
		t.Fatal(err)
	}
	if env.ID != "order-1" || env.Topic != b.topic || env.Attempt != 1 || env.Headers["k"] != "v" || env.Data["n"] != 1.0 ||
		time.Since(time.UnixMilli(env.TS)) > time.Minute {
		t.Errorf("envelope = %+v", env)
	}
}

func TestSlowEndpointTimesOutThenSucceeds(t *testing.T) {
	t.Parallel()
	b := setup(t)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	b.recv.set(func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			select { // slower than the route's timeout
			case <-r.Context().Done():
			case <-release:
			}
		}
	})
	b.start(t, dispatch.Config{Routes: []dispatch.Route{b.route(t, func(r *dispatch.RawRoute) { r.Timeout = "200ms" })}})
	b.publish(t, map[string]interface{}{"n": 1})
	eventually(t, "delivered at the second attempt", func() bool { return b.stats(t).Processed == 1 })
	reqs := b.recv.all()
	if len(reqs) != 2 || reqs[1].header.Get(dispatch.HeaderAttempt) != "2" || reqs[0].header.Get("Webhook-Id") != reqs[1].header.Get("Webhook-Id") {
		t.Fatalf("%d requests; want 2 with the same webhook-id, the second attempt 2", len(reqs))
	}
	if s := b.stats(t); s.Failed != 1 || s.Retried != 1 {
		t.Errorf("stats = %+v", s)
	}
}

func TestServerErrorThenSuccess(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.recv.set(func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			http.Error(w, "database down", http.StatusInternalServerError)
		}
	})
	b.start(t, dispatch.Config{Routes: []dispatch.Route{b.route(t, nil)}})
	b.publish(t, map[string]interface{}{"n": 1})
	eventually(t, "delivered at the second attempt", func() bool { return b.stats(t).Processed == 1 })
	if n := b.recv.count(); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
	// A delivered message's attempts are forgotten.
	id := b.recv.all()[0].header.Get("Webhook-Id")
	if n, _ := b.m.Client().Exists(b.ctx, dispatch.AttemptsKey(b.topic, id)).Result(); n != 0 {
		t.Error("attempts of a delivered message still kept")
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	t.Parallel()
	for _, code := range []int{http.StatusTooManyRequests, http.StatusServiceUnavailable} {
		t.Run(http.StatusText(code), func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			b.recv.set(func(n int, w http.ResponseWriter, r *http.Request) {
				if n == 1 {
					w.Header().Set("Retry-After", "2")
					w.WriteHeader(code)
				}
			})
			// The backoff alone would retry after 20ms.
			b.start(t, dispatch.Config{Routes: []dispatch.Route{b.route(t, nil)}})
			b.publish(t, map[string]interface{}{"n": 1})
			eventually(t, "delivered at the second attempt", func() bool { return b.stats(t).Processed == 1 })
			reqs := b.recv.all()
			if gap := reqs[1].at.Sub(reqs[0].at); gap < 2*time.Second {
				t.Errorf("second attempt %v after the first, want no earlier than 2s", gap)
			}
		})
	}
}

func TestRetryAfterIsCapped(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.recv.set(func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			w.Header().Set("Retry-After", "3600")
			w.WriteHeader(http.StatusTooManyRequests)
		}
	})
	b.start(t, dispatch.Config{Routes: []dispatch.Route{b.route(t, nil)}, MaxRetryAfter: time.Second})
	b.publish(t, map[string]interface{}{"n": 1})
	eventually(t, "delivered within the cap", func() bool { return b.stats(t).Processed == 1 })
}

func TestConnectionResetMidResponseIsRetried(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.recv.set(func(n int, w http.ResponseWriter, r *http.Request) {
		if n > 1 {
			return
		}
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		_, _ = buf.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"ok\":")
		_ = buf.Flush()
		_ = conn.(*net.TCPConn).SetLinger(0) // close with a reset
		_ = conn.Close()
	})
	b.start(t, dispatch.Config{Routes: []dispatch.Route{b.route(t, nil)}})
	b.publish(t, map[string]interface{}{"n": 1})
	eventually(t, "delivered at the second attempt", func() bool { return b.stats(t).Processed == 1 })
	if s := b.stats(t); s.Failed != 1 || b.recv.count() != 2 {
		t.Errorf("stats = %+v, %d requests", s, b.recv.count())
	}
}

func TestClientErrorIsDeadLetteredWithItsAttempt(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.recv.set(func(n int, w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"error":"unknown order"}`+strings.Repeat("x", 2000), http.StatusBadRequest)
	})
	d := b.start(t, dispatch.Config{Routes: []dispatch.Route{b.route(t, nil)}})
	b.publish(t, map[string]interface{}{"n": 1}, redis.WithID("order-400"))
	eventually(t, "dead letter", func() bool { return b.stats(t).Dead == 1 })
	if n := b.recv.count(); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
	dls, err := b.m.Inspector().DeadLetters(b.ctx, b.topic, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	if dl := dls[0]; dl.Attempt != 1 || !strings.Contains(dl.Reason, `HTTP 400 Bad Request: {"error":"unknown order"}`) {
		t.Errorf("dead letter = %+v", dl)
	}
	attempts, err := d.Attempts().List(b.ctx, b.topic, "order-400")
	if err != nil {
		t.Fatal(err)
	}
	if len(attempts) != 1 {
		t.Fatalf("attempts = %+v", attempts)
	}
	a := attempts[0]
	if a.Attempt != 1 || a.Status != 400 || len(a.Body) != dispatch.MaxBodySnippet || !strings.HasPrefix(a.Body, `{"error":"unknown order"}`) ||
		time.Since(a.At) > time.Minute || a.DurationMs <= 0 || !strings.Contains(a.Error, "HTTP 400") {
		t.Errorf("attempt = %+v", a)
	}
}

func TestRedirectIsNotFollowed(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.recv.set(func(n int, w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/elsewhere", http.StatusFound)
	})
	b.start(t, dispatch.Config{Routes: []dispatch.Route{b.route(t, nil)}})
	b.publish(t, map[string]interface{}{"n": 1})
	eventually(t, "dead letter", func() bool { return b.stats(t).Dead == 1 })
	if reqs := b.recv.all(); len(reqs) != 1 || reqs[0].path != "/hook" {
		t.Errorf("requests = %d: want only the route's", len(reqs))
	}
}

func TestLastAttemptsAreKept(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.recv.set(func(n int, w http.ResponseWriter, r *http.Request) { http.Error(w, "down", http.StatusBadGateway) })
	d := b.start(t, dispatch.Config{Routes: []dispatch.Route{b.route(t, nil)}, AttemptsKept: 3,
		Breaker: dispatch.BreakerConfig{Failures: 100}}, redis.WithMaxRetries(4))
	b.publish(t, map[string]interface{}{"n": 1}, redis.WithID("order-502"))
	eventually(t, "dead letter", func() bool { return b.stats(t).Dead == 1 })
	attempts, err := d.Attempts().List(b.ctx, b.topic, "order-502")
	if err != nil {
		t.Fatal(err)
	}
	if len(attempts) != 3 || attempts[0].Attempt != 3 || attempts[2].Attempt != 5 || attempts[2].Status != 502 || attempts[2].Body != "down\n" {
		t.Errorf("attempts = %+v: want the last 3 of 5", attempts)
	}
	ttl, _ := b.m.Client().TTL(b.ctx, dispatch.AttemptsKey(b.topic, "order-502")).Result()
	if ttl <= 0 || ttl > dispatch.DefaultAttemptsTTL {
		t.Errorf("TTL = %v", ttl)
	}
}

// A URL's user info becomes Basic authentication, as http.Client does,
// unless the route sets an Authorization header of its own.
func TestURLUserInfoIsBasicAuth(t *testing.T) {
	t.Parallel()
	b := setup(t)
	url := strings.Replace(b.recv.url, "http://", "http://ann:s%3Acret@", 1) + "/hook"
	b.start(t, dispatch.Config{Routes: []dispatch.Route{b.route(t, func(r *dispatch.RawRoute) { r.URL = url })}})
	b.publish(t, map[string]interface{}{"n": 1})
	eventually(t, "delivery", func() bool { return b.recv.count() == 1 })
	got := b.recv.all()[0]
	if user, pass, ok := (&http.Request{Header: got.header}).BasicAuth(); !ok || user != "ann" || pass != "s:cret" {
		t.Errorf("Authorization %q: want Basic ann:s:cret", got.header.Get("Authorization"))
	}
}

// An unreachable endpoint's error names the method, as http.Client's
// errors do, and never the URL.
func TestNetworkErrorNamesTheMethodNotTheURL(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there any more: connection refused
	url := "http://" + addr + "/hook?token=t0ken"
	b.start(t, dispatch.Config{Routes: []dispatch.Route{b.route(t, func(r *dispatch.RawRoute) { r.URL = url })}},
		redis.WithMaxRetries(1))
	b.publish(t, map[string]interface{}{"n": 1})
	eventually(t, "dead letter", func() bool { return b.stats(t).Dead == 1 })
	dead, err := b.m.Inspector().DeadLetters(b.ctx, b.topic, 0, 1)
	if err != nil || len(dead) != 1 {
		t.Fatalf("dead letters %v, %v", dead, err)
	}
	if r := dead[0].Reason; !strings.HasPrefix(r, "request failed: Post: ") || strings.Contains(r, "t0ken") || strings.Contains(r, addr+"/hook") {
		t.Errorf("reason %q: want the method and no URL", r)
	}
}

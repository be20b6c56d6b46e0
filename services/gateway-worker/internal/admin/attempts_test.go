package admin_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"goweb/pkg/logger"
	"goweb/pkg/redis"
	"goweb/services/gateway-worker/internal/admin"
	"goweb/services/gateway-worker/internal/dispatch"
	"goweb/services/gateway-worker/internal/servicetest"
)

// TestDeadLetterOfARouteShowsItsAttempts: a routed message that the
// endpoint refused is listed with its attempt: status, body, error.
func TestDeadLetterOfARouteShowsItsAttempts(t *testing.T) {
	t.Parallel()
	b := setup(t, admin.Options{Token: token})
	b.h = admin.New(b.m, admin.Options{Token: token, Attempts: deadRouted(t, b, "order-422")})

	var doc struct {
		DeadLetters []struct {
			ID       string             `json:"id"`
			Reason   string             `json:"reason"`
			Attempts []dispatch.Attempt `json:"attempts"`
		} `json:"dead_letters"`
	}
	res := b.do(t, http.MethodGet, b.path("/dead"), "", token)
	res.json(t, &doc)
	if len(doc.DeadLetters) != 1 {
		t.Fatalf("dead letters: %s", res.body)
	}
	dl := doc.DeadLetters[0]
	if dl.ID != "order-422" || !strings.HasSuffix(dl.Reason, "HTTP 422 Unprocessable Entity: unknown order") || len(dl.Attempts) != 1 {
		t.Fatalf("dead letter = %+v", dl)
	}
	if a := dl.Attempts[0]; a.Attempt != 1 || a.Status != 422 || a.Body != "unknown order\n" || a.At.IsZero() {
		t.Errorf("attempt = %+v", a)
	}
	// Without the attempts record the listing is as before.
	plain := setup(t, admin.Options{Token: token})
	plain.topic = b.topic
	if res := plain.do(t, http.MethodGet, plain.path("/dead"), "", token); res.code != 200 || strings.Contains(res.body, `"attempts"`) {
		t.Errorf("listing without attempts: %s", res.body)
	}
}

// deadRouted routes b's topic to an endpoint that answers 422, publishes
// one message with id and waits until it is a dead letter with its attempt
// on record. It returns the route's attempts record.
func deadRouted(t *testing.T, b *bundle, id string) *dispatch.Attempts {
	t.Helper()
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "unknown order", http.StatusUnprocessableEntity)
	}))
	t.Cleanup(recv.Close)
	routes, err := dispatch.ParseRoutesText(dispatch.EnvRoutes, b.topic+"="+recv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	d, err := dispatch.New(dispatch.Config{Routes: routes}, b.m.Client(), logger.Nop())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)

	ctx := context.Background()
	if err := b.m.GetQueue().Publish(ctx, b.topic, map[string]interface{}{"n": 1}, redis.WithID(id)); err != nil {
		t.Fatal(err)
	}
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- b.m.GetQueue().Subscribe(sctx, b.topic, d.Handler(b.topic)) }()
	defer func() { cancel(); <-done }()
	servicetest.Eventually(t, 10*time.Second, "dead letter", func() bool { return b.stats(t).Dead == 1 })
	return d.Attempts()
}

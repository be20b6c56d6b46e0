package dispatch_test

import (
	"net/http"
	"testing"

	"goweb/pkg/redis"
	"goweb/services/gateway-worker/internal/dispatch"
)

// TestRequeuedDeadLetterStartsItsAttemptsOver: a dead letter requeued and
// then delivered at its first new attempt leaves no attempts record; an
// id that dies again after a requeue shows only its new attempts.
func TestRequeuedDeadLetterStartsItsAttemptsOver(t *testing.T) {
	t.Parallel()
	b := setup(t)
	// Requests 1 and 3 are refused (400: dead at once), the others taken.
	b.recv.answer = func(n int, w http.ResponseWriter, _ *http.Request) {
		if n == 1 || n == 3 {
			http.Error(w, "refused", http.StatusBadRequest)
		}
	}
	d := b.start(t, dispatch.Config{Routes: []dispatch.Route{b.route(t, nil)}})
	a, insp, key := d.Attempts(), b.m.Inspector(), dispatch.AttemptsKey(b.topic, "order-1")

	b.publish(t, map[string]interface{}{"n": 1}, redis.WithID("order-1"))
	eventually(t, "first dead letter", func() bool { return b.stats(t).Dead == 1 })
	if n, err := a.RequeueDead(b.ctx, insp, b.topic, "order-1"); n != 1 || err != nil {
		t.Fatalf("RequeueDead = %d, %v", n, err)
	}
	eventually(t, "delivered after the requeue", func() bool { return b.stats(t).Processed == 1 })
	if n := b.m.Client().Exists(b.ctx, key).Val(); n != 0 {
		t.Errorf("the attempts record of a delivered message is still there")
	}

	// The same id again, refused at its first attempt: one attempt shown.
	b.publish(t, map[string]interface{}{"n": 2}, redis.WithID("order-1"))
	eventually(t, "second dead letter", func() bool { return b.stats(t).Dead == 1 })
	got, err := a.List(b.ctx, b.topic, "order-1")
	if err != nil || len(got) != 1 || got[0].Attempt != 1 {
		t.Errorf("attempts = %+v, %v; want the one new attempt", got, err)
	}
	if n, err := a.RequeueAllDead(b.ctx, insp, b.topic); n != 1 || err != nil {
		t.Fatalf("RequeueAllDead = %d, %v", n, err)
	}
	eventually(t, "delivered after requeueing all", func() bool { return b.stats(t).Processed == 2 })
	if n := b.m.Client().Exists(b.ctx, key).Val(); n != 0 {
		t.Errorf("the attempts record of a message requeued with all is still there")
	}
}

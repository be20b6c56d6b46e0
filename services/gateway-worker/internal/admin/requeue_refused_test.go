package admin_test

import (
	"context"
	"testing"
	"time"

	"goweb/pkg/redis"
	"goweb/pkg/redis/redistest"
	"goweb/services/gateway-worker/internal/admin"
)

// A dead letter whose entry is not a valid envelope (issue 10 item 2's
// {"id":"pay-78"}) is refused by a requeue, with the reason, and stays a
// dead letter byte for byte; the valid one beside it is requeued.
func TestRequeueRefusesWhatItCannotParse(t *testing.T) {
	t.Parallel()
	b := setup(t, admin.Options{Token: token})
	ctx := context.Background()
	const poison = `{"id":"pay-78"}`
	if err := b.m.Client().LPush(ctx, redis.PendingKey(b.topic), poison).Err(); err != nil {
		t.Fatal(err)
	}
	if err := b.m.GetQueue().Publish(ctx, b.topic, map[string]interface{}{"n": 1}); err != nil {
		t.Fatal(err)
	}
	b.kill(t, 1)
	redistest.Eventually(t, 10*time.Second, "both dead-lettered", func() bool { return b.stats(t).Dead == 2 })

	for _, body := range []string{`{"ids":["pay-78"]}`, `{"all":true}`} {
		r := b.do(t, "POST", b.path("/dead/requeue"), body, token)
		var got struct {
			Requeued    int64  `json:"requeued"`
			NotRequeued int64  `json:"not_requeued"`
			Reason      string `json:"reason"`
		}
		r.json(t, &got)
		if r.code != 200 || got.NotRequeued != 1 || got.Reason == "" {
			t.Errorf("%s: %d %s, want 200 with not_requeued 1 and a reason", body, r.code, r.body)
		}
	}
	dls, err := b.m.Inspector().DeadLetters(ctx, b.topic, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(dls) != 1 || dls[0].ID != "pay-78" || dls[0].Entry != poison {
		t.Errorf("dead letters after the requeues: %+v, want only pay-78 with its entry unchanged", dls)
	}
}

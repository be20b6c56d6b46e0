package redis_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"goweb/pkg/redis"
)

func ids(msgs []redis.QueuedMessage) string {
	s := make([]string, len(msgs))
	for n, m := range msgs {
		s[n] = m.ID
		if m.Invalid != "" {
			s[n] = "invalid"
		}
	}
	return strings.Join(s, ",")
}

// testInspectQueued lists, deletes, cancels and runs waiting messages.
func testInspectQueued(t *testing.T, b *bundle) {
	insp := b.m.Inspector()
	for _, id := range []string{"a1", "a2", "a3"} {
		if err := b.q.Publish(b.ctx, b.topic, map[string]interface{}{"n": id}, redis.WithID(id)); err != nil {
			t.Fatal(err)
		}
	}
	// Another language's entries: one without an id, one not an envelope.
	if err := b.m.Client().LPush(b.ctx, "mq:"+b.topic, `{"data":{"x":1}}`, "not json").Err(); err != nil {
		t.Fatal(err)
	}
	due := time.Now().Add(time.Hour)
	for n, id := range []string{"d1", "d2"} {
		if err := b.q.Publish(b.ctx, b.topic, map[string]interface{}{}, redis.WithID(id), redis.WithProcessAt(due.Add(time.Duration(n)*time.Hour))); err != nil {
			t.Fatal(err)
		}
	}

	pending, err := insp.Pending(b.ctx, b.topic, 0, 10)
	if err != nil || ids(pending) != "a1,a2,a3,,invalid" {
		t.Fatalf("Pending = %s, %v; want a1,a2,a3,(no id),invalid in delivery order", ids(pending), err)
	}
	if pending[0].Data["n"] != "a1" || pending[0].PublishedAt.IsZero() || pending[0].Attempt != 0 || pending[4].Entry != "not json" {
		t.Errorf("Pending details: %+v / %+v", pending[0], pending[4])
	}
	if page, err := insp.Pending(b.ctx, b.topic, 1, 2); err != nil || ids(page) != "a2,a3" {
		t.Errorf("Pending(1, 2) = %s, %v", ids(page), err)
	}
	delayed, err := insp.Delayed(b.ctx, b.topic, 0, 10)
	if err != nil || ids(delayed) != "d1,d2" || delayed[0].DueAt.UnixMilli() != due.UnixMilli() {
		t.Fatalf("Delayed = %s (%+v), %v", ids(delayed), delayed, err)
	}

	if n, err := insp.DeletePending(b.ctx, b.topic, "a2", "nope"); err != nil || n != 1 {
		t.Errorf("DeletePending = %d, %v; want 1", n, err)
	}
	if n, err := insp.CancelDelayed(b.ctx, b.topic, "d2"); err != nil || n != 1 {
		t.Errorf("CancelDelayed = %d, %v; want 1", n, err)
	}
	if n, err := insp.RunDelayedNow(b.ctx, b.topic, "d1"); err != nil || n != 1 {
		t.Errorf("RunDelayedNow = %d, %v; want 1", n, err)
	}
	if n, err := insp.RunDelayedNow(b.ctx, b.topic, "d1"); err != nil || n != 0 {
		t.Errorf("RunDelayedNow again = %d, %v; want 0", n, err)
	}
	pending, _ = insp.Pending(b.ctx, b.topic, 0, 10)
	delayed, _ = insp.Delayed(b.ctx, b.topic, 0, 10)
	if ids(pending) != "a1,a3,,invalid,d1" || len(delayed) != 0 {
		t.Errorf("after the changes: pending %s, delayed %s", ids(pending), ids(delayed))
	}

	for name, err := range map[string]error{
		"bad topic": func() error { _, err := insp.Pending(b.ctx, "a b", 0, 1); return err }(),
		"offset":    func() error { _, err := insp.Delayed(b.ctx, b.topic, -1, 1); return err }(),
		"limit":     func() error { _, err := insp.Pending(b.ctx, b.topic, 0, 0); return err }(),
		"no ids":    func() error { _, err := insp.CancelDelayed(b.ctx, b.topic); return err }(),
	} {
		if !errors.Is(err, redis.ErrInvalidOption) && !errors.Is(err, redis.ErrInvalidTopic) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// testInspectInFlight lists what a live consumer holds.
func testInspectInFlight(t *testing.T, b *bundle) {
	release := make(chan struct{})
	var running atomic.Int32
	subscribe(t, b, func(ctx context.Context, m *redis.Message) error {
		running.Add(1)
		<-release
		return nil
	}, redis.WithConcurrency(2))
	defer close(release)
	for _, id := range []string{"f1", "f2", "f3"} {
		if err := b.q.Publish(b.ctx, b.topic, map[string]interface{}{"id": id}, redis.WithID(id)); err != nil {
			t.Fatal(err)
		}
	}
	insp := b.m.Inspector()
	var held []redis.InFlightMessage
	eventually(t, 10*time.Second, "two running and one prefetched", func() bool {
		var err error
		held, err = insp.InFlight(b.ctx, b.topic, 0, 10)
		return err == nil && running.Load() == 2 && len(held) == 3
	})
	got := []string{}
	for _, m := range held {
		got = append(got, m.ID)
		if m.Consumer == "" || !m.LeaseExpiry.After(time.Now()) || m.Data["id"] != m.ID {
			t.Errorf("in flight: %+v", m)
		}
	}
	if strings.Join(got, ",") != "f1,f2,f3" {
		t.Errorf("in flight %v, want f1,f2,f3 in the order taken", got)
	}
	for _, c := range []struct {
		offset, limit int
		want          string
	}{{0, 1, "f1"}, {1, 1, "f2"}, {1, 5, "f2,f3"}, {2, 2, "f3"}, {3, 1, ""}, {7, 3, ""}} {
		page, err := insp.InFlight(b.ctx, b.topic, c.offset, c.limit)
		ids := []string{}
		for _, m := range page {
			ids = append(ids, m.ID)
		}
		if err != nil || page == nil || strings.Join(ids, ",") != c.want {
			t.Errorf("InFlight(offset %d, limit %d) = %v, %v; want [%s]", c.offset, c.limit, ids, err, c.want)
		}
	}
	for _, bad := range [][2]int{{0, 0}, {-1, 1}} {
		if _, err := insp.InFlight(b.ctx, b.topic, bad[0], bad[1]); !errors.Is(err, redis.ErrInvalidOption) {
			t.Errorf("InFlight(offset %d, limit %d): %v", bad[0], bad[1], err)
		}
	}
}

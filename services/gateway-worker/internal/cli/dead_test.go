package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"goweb/pkg/redis"
	"goweb/services/gateway-worker/internal/servicetest"
)

// kill publishes n messages with the CLI and consumes the topic with a
// handler that fails every message without retry, until all its messages
// are dead letters; it returns the ids of the n.
func (b *bundle) kill(t *testing.T, n int) []string {
	t.Helper()
	ids := make([]string, n)
	for i := range ids {
		ids[i] = strings.TrimSpace(b.run(t, "publish", b.topic, fmt.Sprintf(`{"i":%d}`, i)).ok(t).stdout)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- b.m.GetQueue().Subscribe(ctx, b.topic, func(context.Context, *redis.Message) error {
			return redis.SkipRetry(errors.New("boom"))
		})
	}()
	servicetest.Eventually(t, 20*time.Second, "every message dead", func() bool {
		s := b.stats(t)
		return s.Pending == 0 && s.InFlight == 0 && s.Dead >= int64(n)
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	return ids
}

func TestDeadRetryAndPurge(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ids := b.kill(t, 3)

	var dead []redis.DeadLetter
	b.run(t, "peek", b.topic, "--state", "dead", "--json").ok(t).json(t, &dead)
	if len(dead) != 3 || !strings.Contains(dead[0].Reason, "boom") {
		t.Fatalf("peek --state dead: %+v", dead)
	}
	if row := line(t, b.run(t, "peek", b.topic, "--state", "dead", "-n", "1").ok(t).stdout, dead[0].ID); !strings.Contains(strings.Join(row, " "), "boom") {
		t.Errorf("dead row %v has no reason", row)
	}

	if out := b.run(t, "dead", "retry", b.topic, ids[0]).ok(t).stdout; out != "requeued 1 dead letter of "+b.topic+"\n" {
		t.Errorf("retry one: %q", out)
	}
	if s := b.stats(t); s.Pending != 1 || s.Dead != 2 {
		t.Errorf("after retrying one: %+v", s)
	}
	r := b.run(t, "dead", "retry", b.topic, "nope", ids[1], "no-such-id")
	if r.code != ExitError || r.stdout != "requeued 1 dead letter of "+b.topic+"\n" ||
		!strings.Contains(r.stderr, "2 of the 3 ids are not dead letters of "+b.topic+`: "nope", "no-such-id"`) {
		t.Errorf("retry with unknown ids: %+v", r)
	}
	if r := b.run(t, "dead", "retry", b.topic, "d1", "x y"); r.code != ExitUsage || !strings.Contains(r.stderr, `id "x y": want 1 to 256 printable ASCII bytes`) {
		t.Errorf("retry with a bad id: %+v", r)
	}
	if out := b.run(t, "dead", "retry", b.topic, "--all").ok(t).stdout; out != "requeued 1 dead letter of "+b.topic+"\n" {
		t.Errorf("retry --all: %q", out)
	}
	if s := b.stats(t); s.Pending != 3 || s.Dead != 0 {
		t.Errorf("after retrying all: %+v", s)
	}

	b.kill(t, 2) // the three requeued ones and two more
	if out := b.run(t, "dead", "purge", b.topic, "--older-than", "1h").ok(t).stdout; out != "purged 0 dead letters of "+b.topic+"\n" {
		t.Errorf("purge --older-than 1h of fresh dead letters: %q", out)
	}
	if out := b.run(t, "dead", "purge", b.topic).ok(t).stdout; out != "purged 5 dead letters of "+b.topic+"\n" {
		t.Errorf("purge: %q", out)
	}
	if s := b.stats(t); s.Dead != 0 || s.Pending != 0 {
		t.Errorf("after purge: %+v", s)
	}
}

// consumers and peek --state in_flight show a consumer holding a message.
func TestConsumersAndInFlight(t *testing.T) {
	t.Parallel()
	b := setup(t)
	id := strings.TrimSpace(b.run(t, "publish", b.topic, `{"hold":true}`).ok(t).stdout)
	started, release := make(chan struct{}), make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- b.m.GetQueue().Subscribe(ctx, b.topic, func(context.Context, *redis.Message) error {
			close(started)
			<-release
			return nil
		}, redis.WithConcurrency(1))
	}()
	defer func() {
		close(release)
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	select {
	case <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("the handler never started")
	}

	var cons []consumerLine
	b.run(t, "consumers", b.topic, "--json").ok(t).json(t, &cons)
	if len(cons) != 1 || cons[0].Topic != b.topic || cons[0].InFlight != 1 || time.Until(cons[0].LeaseExpiry) <= 0 {
		t.Fatalf("consumers --json: %+v, want one live consumer holding one message", cons)
	}
	row := line(t, b.run(t, "consumers").ok(t).stdout, b.topic+" ")
	if row[1] != cons[0].ID || row[2] != "in" || row[4] != "1" {
		t.Errorf("consumers row %v", row)
	}
	var held []redis.InFlightMessage
	b.run(t, "peek", b.topic, "--state", "in_flight", "--json").ok(t).json(t, &held)
	if len(held) != 1 || held[0].ID != id || held[0].Consumer != cons[0].ID {
		t.Errorf("peek --state in_flight: %+v", held)
	}
}

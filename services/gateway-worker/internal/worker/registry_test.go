package worker_test

import (
	"context"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"goweb/pkg/redis"
	"goweb/services/gateway-worker/internal/worker"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func nop(context.Context, *redis.Message) error { return nil }

func TestRegistry(t *testing.T) {
	t.Parallel()
	var r worker.Registry
	r.Register("a.b", nop, redis.WithConcurrency(2))
	r.Register("c", nop)
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(r.Topics(), ","); got != "a.b,c" {
		t.Errorf("topics %s", got)
	}
	g, ok := r.Lookup("a.b")
	if !ok || len(g.Options) != 1 || g.Handler == nil {
		t.Errorf("lookup a.b = %+v, %v", g, ok)
	}
	if _, ok := r.Lookup("x"); ok {
		t.Error("lookup of an unregistered topic succeeded")
	}
}

func TestRegistryErrors(t *testing.T) {
	t.Parallel()
	var r worker.Registry
	r.Register("a", nop)
	r.Register("a", nop)
	r.Register("bad topic", nop)
	r.Register("b", nil)
	err := r.Err()
	for _, want := range []string{`"a": topic already has a handler`, "invalid topic", `"b": nil handler`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not say %q", err, want)
		}
	}
	if got := strings.Join(r.Topics(), ","); got != "a" {
		t.Errorf("topics %s", got)
	}
}

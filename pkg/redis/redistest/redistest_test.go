package redistest_test

import (
	"context"
	"testing"

	"go.uber.org/goleak"

	"goweb/pkg/redis/redistest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// REDIS_TEST_ADDR points the shared server at an external Redis, which
// Stop leaves running; without it MustStartMain starts a private one.
func TestMustStartMainHonoursREDIS_TEST_ADDR(t *testing.T) {
	external := redistest.Start(t)
	ctx := context.Background()

	t.Setenv("REDIS_TEST_ADDR", external.Addr)
	s := redistest.MustStartMain()
	if s.Addr != external.Addr {
		t.Fatalf("with REDIS_TEST_ADDR=%s: server at %s", external.Addr, s.Addr)
	}
	s.Stop()
	if err := external.Client(t).Ping(ctx).Err(); err != nil {
		t.Fatalf("Stop stopped the external server: %v", err)
	}

	t.Setenv("REDIS_TEST_ADDR", "")
	own := redistest.MustStartMain()
	if own.Addr == external.Addr {
		t.Fatal("without REDIS_TEST_ADDR: the external server was used")
	}
	c := own.Client(t)
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatalf("private server: %v", err)
	}
	own.Stop()
	if err := c.Ping(ctx).Err(); err == nil {
		t.Fatal("Stop left the private server running")
	}
}

// A port that another server holds is not taken for the new server's: the
// new one cannot listen and exits, and StartServer says so instead of
// handing back the other server under the new one's name.
func TestStartServerOnATakenPort(t *testing.T) {
	t.Parallel()
	other := redistest.Start(t)
	s, err := redistest.StartServer(redistest.Options{Port: other.Port})
	if err == nil {
		s.Stop()
		t.Fatalf("StartServer on the port of %s succeeded", other.Addr)
	}
}

package redis_test

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"goweb/pkg/config"
	"goweb/pkg/redis"
	"goweb/pkg/redis/redistest"
)

// TestInspectorErrorsSayWhatHappened covers issue 10's "Redis did not
// answer" for everything: Redis busy past the read timeout is
// ErrRedisTimeout; the caller's deadline passing is
// context.DeadlineExceeded; a wrong-typed key is ErrWrongType (see
// TestBehaviour/WrongTypeKeyBreaksOneTopic).
func TestInspectorErrorsSayWhatHappened(t *testing.T) {
	t.Parallel()
	private := redistest.Start(t)
	host, port := splitAddr(t, private.Addr)
	m := managerFor(t, config.RedisConfig{Host: host, Port: port, ReadTimeout: 200 * time.Millisecond}, nil)
	insp := m.Inspector()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	expired, cancelExpired := context.WithDeadline(ctx, time.Now().Add(-time.Second))
	defer cancelExpired()
	if _, err := insp.Stats(expired, "t"); !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, redis.ErrRedisTimeout) {
		t.Errorf("Stats past the caller's deadline = %v, want context.DeadlineExceeded", err)
	}

	// A server that takes the connection and never answers, as a frozen
	// Redis does: nothing comes back within the 200ms read timeout.
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = silent.Close() })
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { _ = c.Close() })
			go func() { _, _ = io.Copy(io.Discard, c) }()
		}
	}()
	host, port = splitAddr(t, silent.Addr().String())
	frozen := managerFor(t, config.RedisConfig{Host: host, Port: port, ReadTimeout: 200 * time.Millisecond}, nil).Inspector()
	if _, err := frozen.Stats(ctx, "t"); !errors.Is(err, redis.ErrRedisTimeout) || errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Stats with Redis frozen = %v, want ErrRedisTimeout", err)
	}
}

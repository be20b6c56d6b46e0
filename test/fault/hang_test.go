package fault

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"goweb/pkg/logger"
	"goweb/pkg/redis"
	"goweb/pkg/redis/redistest"
)

// Redis hangs (SIGSTOP) for 2.5 s with clients configured with 500 ms read
// and write timeouts. Calls fail instead of hanging, goroutines do not pile
// up, and processing resumes soon after SIGCONT. The consumer runs in the
// test process so that its goroutines can be counted.
func TestRedisHang(t *testing.T) {
	const (
		// timeout is the client's dial, read and write timeout: half the
		// other tests', so that the hang, which must outlast it four
		// times, is half as long, and the test with it.
		timeout = 500 * time.Millisecond
		// Longer than go-redis' four tries of a command (four timeouts
		// and backoffs of tens of ms), so the timeouts surface instead of
		// a late retry succeeding.
		hang = 5 * timeout
	)
	srv := startRedis(t)
	var logs syncBuffer
	m := newManagerTimeout(t, srv.Addr, logger.NewWithOptions(logger.Options{Format: "json", Output: &logs}), timeout)
	q := m.GetQueue()
	topic := redistest.Topic(t)

	var mu sync.Mutex
	seen := map[string]int{}
	var lastHandled atomic.Int64
	ctx, cancel := context.WithCancel(context.Background())
	subDone := make(chan error, 1)
	go func() {
		subDone <- q.Subscribe(ctx, topic, func(_ context.Context, msg *redis.Message) error {
			mu.Lock()
			seen[msg.ID]++
			mu.Unlock()
			lastHandled.Store(time.Now().UnixNano())
			return nil
		}, redis.WithConcurrency(10), redis.WithRecoveryWindow(3*time.Second))
	}()
	defer func() {
		cancel()
		if err := <-subDone; err != nil {
			t.Errorf("Subscribe: %v", err)
		}
	}()

	var slowest atomic.Int64 // longest Publish call, ns
	pubs := startPublishers(t, func(ctx context.Context, n int) (string, error) {
		start := time.Now()
		id, err := q.Enqueue(ctx, topic, map[string]interface{}{"n": n}) // no deadline: only the client's timeouts bound it
		if d := int64(time.Since(start)); d > slowest.Load() {
			slowest.Store(d)
		}
		return id, err
	}, 2, 2*time.Millisecond)

	eventually(t, 10*time.Second, "steady processing", func() bool { return pubs.count() >= 500 && handledIn(&mu, seen) >= 400 })
	baseline := runtime.NumGoroutine()

	srv.Pause()
	paused := time.Now()
	peak := baseline
	for time.Since(paused) < hang {
		peak = max(peak, runtime.NumGoroutine())
		time.Sleep(20 * time.Millisecond)
	}
	srv.Resume()
	resumed := time.Now()

	var resume time.Duration
	eventually(t, 10*time.Second, "processing to resume", func() bool {
		if ns := lastHandled.Load(); ns > resumed.UnixNano() {
			resume = time.Unix(0, ns).Sub(resumed)
			return true
		}
		return false
	})
	eventually(t, 10*time.Second, "more publishes after the hang", func() bool { return pubs.count() >= 1000 && pubs.lastOK.Load() > resumed.UnixNano() })
	pubs.halt()
	ids := pubs.published()

	redistest.WaitUntil(20*time.Second, func() bool { // a miss is the tally's to report
		mu.Lock()
		defer mu.Unlock()
		return len(count(ids, seen).lost) == 0
	})
	after := runtime.NumGoroutine()
	for settle := time.Now(); after > baseline+5 && time.Since(settle) < 5*time.Second; after = runtime.NumGoroutine() {
		time.Sleep(50 * time.Millisecond)
	}

	timeouts := strings.Count(logs.String(), "i/o timeout")
	t.Logf("goroutines: %d before, peak %d during the hang, %d after; slowest Publish %v; publishes failed: %d; consumer logged %d timeouts",
		baseline, peak, after, time.Duration(slowest.Load()).Round(time.Millisecond), pubs.failed.Load(), timeouts)
	if timeouts == 0 {
		t.Errorf("the consumer logged no timeout during a %v hang with a %v read timeout; its log:\n%s", hang, timeout, logs.String())
	}
	// go-redis retries a timed-out command up to 3 times, so a call is bounded
	// by about 4 read timeouts plus backoff, not by the hang.
	if d := time.Duration(slowest.Load()); d > 6*timeout {
		t.Errorf("slowest Publish took %v, want it bounded by the client's timeouts", d)
	}
	if peak > baseline+30 {
		t.Errorf("goroutines piled up during the hang: %d before, peak %d", baseline, peak)
	}
	if after > baseline+5 {
		t.Errorf("goroutines did not return to normal: %d before, %d after", baseline, after)
	}
	if resume > 3*time.Second {
		t.Errorf("processing resumed %v after SIGCONT, want within 3s", resume)
	}
	mu.Lock()
	r := count(ids, seen)
	mu.Unlock()
	if len(r.lost) > 0 {
		s := stats(t, m, topic)
		t.Logf("pending=%d in_flight=%d delayed=%d dead=%d consumers=%d", s.Pending, s.InFlight, s.Delayed, s.Dead, s.Consumers)
	}
	r.summary(t, fmt.Sprintf("Redis SIGSTOP %v (in-process consumer, %v timeouts)", hang, timeout), "resume_after_sigcont", resume, "")
}

func handledIn(mu *sync.Mutex, seen map[string]int) int {
	mu.Lock()
	defer mu.Unlock()
	return len(seen)
}

// syncBuffer is a bytes.Buffer safe for the logger's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

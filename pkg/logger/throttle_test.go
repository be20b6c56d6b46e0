package logger

import (
	"bytes"
	"sync"
	"testing"
	"time"
)

func TestThrottle(t *testing.T) {
	var buf bytes.Buffer
	now := time.Unix(1000, 0)
	th := NewThrottle(NewWithOptions(Options{Output: &buf}), 10*time.Second, func() time.Time { return now })

	for i := 0; i < 300; i++ {
		th.Warn("refused", "n", i)
	}
	recs := decode(t, &buf)
	if len(recs) != 1 || recs[0]["n"] != 0.0 || recs[0]["suppressed"] != nil || recs[0]["level"] != "WARN" {
		t.Fatalf("300 warnings within the interval wrote %v", recs)
	}

	now = now.Add(9 * time.Second)
	th.Warn("refused", "n", 300)
	now = now.Add(time.Second)
	th.Warn("refused", "n", 301)
	recs = decode(t, &buf)
	if len(recs) != 2 || recs[1]["n"] != 301.0 || recs[1]["suppressed"] != 300.0 {
		t.Fatalf("after the interval: %v", recs)
	}
}

func TestThrottleConcurrent(t *testing.T) {
	var buf bytes.Buffer
	var mu sync.Mutex
	th := NewThrottle(NewWithOptions(Options{Output: &lockedWriter{mu: &mu, w: &buf}}), time.Hour, nil)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 100; j++ {
				th.Warn("refused")
			}
		}()
	}
	wg.Wait()
	if recs := decode(t, &buf); len(recs) != 1 {
		t.Errorf("800 concurrent warnings within an hour wrote %d lines", len(recs))
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

package fault

import (
	"context"
	"fmt"
	"testing"
	"time"

	"goweb/pkg/logger"
	"goweb/pkg/redis/redistest"
)

// Redis is down for 11 s. The workers stay up, log a handful of lines
// rather than one per retry, and resume by themselves when it is back.
//
// It runs in parallel with TestNetworkFaults (see the package doc): for
// most of its run it only waits out the outage, and what it asserts, the
// lines logged and that the workers resume within 15 s, does not depend on
// the load.
func TestRedisDown(t *testing.T) {
	t.Parallel()
	// Longer than the workers' 10 s log throttle, so that the outage shows
	// a failing operation logged once per interval, not once per retry.
	const outage = 11 * time.Second
	srv := startRedis(t)
	m := newManager(t, srv.Addr, logger.Nop())
	topic := redistest.Topic(t)
	o := workerOpts{concurrency: 8, recovery: 3 * time.Second}
	ws := []*worker{startWorker(t, "w0", srv.Addr, topic, o), startWorker(t, "w1", srv.Addr, topic, o)}
	for _, w := range ws {
		w.consumerID(t)
	}
	ids := publishAll(t, m.GetQueue(), topic, 1000, 100)
	eventually(t, 10*time.Second, "the first messages", func() bool { return handled(ws...) >= 1000 })

	linesBefore := make([]int, len(ws))
	for i, w := range ws {
		linesBefore[i] = w.logLines()
	}
	srv.Kill()
	time.Sleep(outage) // the outage itself
	outageLines := 0
	for i, w := range ws {
		if !w.alive() {
			t.Fatalf("%s exited while Redis was down:\n%s", w.name, tail(w.stderr, 10))
		}
		n := w.logLines() - linesBefore[i]
		outageLines += n
		t.Logf("%s logged %d lines during the %v outage", w.name, n, outage)
		if n >= 50 {
			t.Errorf("%s logged %d lines during the outage, want fewer than 50:\n%s", w.name, n, tail(w.stderr, 10))
		}
	}
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	restarted := time.Now()
	// Redis ran without persistence, so the topic starts empty again.
	ids = append(ids, publishAll(t, m.GetQueue(), topic, 1000, 100)...)
	var resume time.Duration
	eventually(t, 15*time.Second, "the workers to resume", func() bool {
		if handled(ws...) > 1000 {
			resume = time.Since(restarted)
			return true
		}
		return false
	})
	if !redistest.WaitUntil(15*time.Second, func() bool { return handled(ws...) >= 2000 }) {
		n := handled(ws...)
		s := stats(t, m, topic)
		keys, _ := m.Client().Keys(context.Background(), "*").Result()
		t.Fatalf("only %d of 2000 handled: pending=%d in_flight=%d delayed=%d consumers=%d; keys %v",
			n, s.Pending, s.InFlight, s.Delayed, s.Consumers, keys)
	}
	for _, w := range ws {
		w.stop(t, 10*time.Second)
	}
	count(ids, readSeen(t, ws...)).summary(t, "Redis down 11s (2 workers)", "resume_after_restart", resume,
		fmt.Sprintf("log_lines_during_outage=%d", outageLines))
}

package fault

import (
	"strconv"
	"syscall"
	"testing"
	"time"

	"goweb/pkg/logger"
	"goweb/pkg/redis/redistest"
)

// Three workers share a backlog. Mid-run one is SIGKILLed and one SIGTERMed
// and two fresh ones start. Nothing is lost; the only messages handled twice
// are ones the killed worker held, and the survivors take those back within
// the recovery window by themselves.
func TestWorkerCrashes(t *testing.T) {
	const (
		messages    = 20_000
		concurrency = 4
		window      = 3 * time.Second
	)
	srv := startRedis(t)
	m := newManager(t, srv.Addr, logger.Nop())
	topic := redistest.Topic(t)
	ids := publishAll(t, m.GetQueue(), topic, messages, 1000)
	o := workerOpts{concurrency: concurrency, recovery: window, delay: 2 * time.Millisecond, shutdown: 5 * time.Second}

	start := time.Now()
	var ws []*worker
	for _, name := range []string{"w0", "w1", "w2"} {
		ws = append(ws, startWorker(t, name, srv.Addr, topic, o))
	}
	victim := ws[0].consumerID(t)
	eventually(t, 30*time.Second, "a quarter of the backlog", func() bool { return handled(ws...) >= messages/4 })

	ws[0].kill()
	killed := time.Now()
	// What the dead worker held: the only messages that may come twice.
	orphans := heldBy(t, m, topic, victim)
	// Running handlers plus at most the default prefetch cap.
	if limit := concurrency + max(4*concurrency, 256); len(orphans) > limit {
		t.Errorf("killed worker held %d messages, want at most concurrency + prefetch cap = %d", len(orphans), limit)
	}

	termed := time.Now()
	ws[1].signal(syscall.SIGTERM)
	ws = append(ws, startWorker(t, "w3", srv.Addr, topic, o), startWorker(t, "w4", srv.Addr, topic, o))
	ws[1].waitExit(t, 10*time.Second)
	termTook := time.Since(termed)

	waitReturned(t, m, topic, victim, 2*window)
	recovered := time.Since(killed)
	if recovered > window {
		t.Errorf("the killed worker's messages returned after %v, want within the %v recovery window", recovered, window)
	}
	eventually(t, 60*time.Second, "every message", func() bool { return handled(ws...) >= messages })
	eventually(t, 10*time.Second, "nothing in flight", func() bool {
		s := stats(t, m, topic)
		return s.Pending == 0 && s.InFlight == 0 && s.Delayed == 0
	})
	total := time.Since(start)
	for _, w := range ws[2:] {
		w.stop(t, 10*time.Second)
	}

	r := count(ids, readSeen(t, ws...))
	orphan := map[string]bool{}
	for _, id := range orphans {
		orphan[id] = true
	}
	for id, n := range r.dups {
		if !orphan[id] {
			t.Errorf("message %s handled %d times but the killed worker did not hold it", id, n)
		}
	}
	if s := stats(t, m, topic); s.Dead != 0 {
		t.Errorf("%d dead letters", s.Dead)
	}
	t.Logf("killed worker held %d messages; SIGTERMed worker exited in %v; run took %v (%s)",
		len(orphans), termTook.Round(time.Millisecond), total.Round(time.Millisecond), fmtRate(messages, total))
	r.summary(t, "worker crashes (SIGKILL+SIGTERM, 3 workers, window 3s)", "recovery", recovered,
		"held_by_killed="+strconv.Itoa(len(orphans)))
}

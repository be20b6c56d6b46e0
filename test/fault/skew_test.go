package fault

import (
	"bytes"
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"goweb/pkg/logger"
	"goweb/pkg/redis"
	"goweb/pkg/redis/redistest"
	"goweb/test/fault/skew"
)

// Workers whose clocks are 60 s fast, 60 s slow and right share a backlog
// (TestWorkerCrashes with skewed hosts). Leases and reaping use Redis's
// time, so no live worker is reaped: no message is handled twice while all
// live, and no worker logs a recovery. Then the fast one is SIGKILLed: its
// messages come back within the recovery window, not 60 s late. Last,
// publishers 60 s fast and 60 s slow publish delayed messages: each is
// handled at its delay after the publish, neither early nor 60 s late.
//
// With each process's own clock (the code before Redis's time) this test
// fails: the fast worker reaps the others at once and the slow one's
// leases are born expired (about a hundred duplicates while all live), and
// the killed fast worker's lease runs 60 s longer, where the test stops;
// delayed messages would then come 60 s early or late.
func TestClockSkew(t *testing.T) {
	const (
		messages    = 10_000
		concurrency = 4
		window      = 3 * time.Second
		// delay is that of the delayed messages. Any delay well above
		// earlyBound tells a skewed publisher's clock from Redis's: by
		// the slow publisher's clock a message would be due at once, the
		// whole delay early, and by the fast one's 60 s late. A short one
		// keeps the test short.
		delay   = time.Second
		delayed = 50 // per skewed publisher
		// lateBound is how late a delayed message may be handled: the
		// promoter's wake-up, a fetch and a handler on a loaded 2-core
		// machine. docs/reliability.md states it.
		lateBound = 2 * time.Second
		// earlyBound is the error of the Redis-aligned clock: half a round
		// trip, a few ms; 100 ms leaves room for a loaded machine.
		earlyBound = 100 * time.Millisecond
	)
	srv := startRedis(t)
	m := newManager(t, srv.Addr, logger.Nop())
	topic := redistest.Topic(t)
	ids := publishAll(t, m.GetQueue(), topic, messages, 1000)
	o := workerOpts{concurrency: concurrency, recovery: window, delay: 5 * time.Millisecond, shutdown: 5 * time.Second}

	offsets := []time.Duration{time.Minute, -time.Minute, 0}
	var ws []*worker
	for i, off := range offsets {
		wo := o
		wo.clockOffset = off
		ws = append(ws, startWorker(t, "w"+strconv.Itoa(i)+"("+off.String()+")", srv.Addr, topic, wo))
	}
	victim := ws[0].consumerID(t) // the fast one
	for _, w := range ws[1:] {
		w.consumerID(t)
	}
	// Several renewals and reaps of every worker (every 0.6 s and 1.2 s
	// with a 3 s window) while all live.
	eventually(t, 60*time.Second, "half the backlog", func() bool { return handled(ws...) >= messages/2 })
	before := readSeen(t, ws...)
	if r := count(nil, before); len(r.dups) > 0 {
		t.Errorf("%d messages handled more than once while every worker lived: a live worker was reaped", len(r.dups))
	}
	for _, w := range ws {
		if n := recoveries(w); n > 0 {
			t.Errorf("%s recovered a live consumer's messages %d times", w.name, n)
		}
	}

	ws[0].kill()
	killed := time.Now()
	orphan := map[string]bool{}
	for _, id := range heldBy(t, m, topic, victim) {
		orphan[id] = true
	}
	waitReturned(t, m, topic, victim, 10*window)
	recovered := time.Since(killed)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if recovered > window {
		t.Errorf("the killed fast worker's messages returned after %v, want within the %v recovery window", recovered, window)
	}
	eventually(t, 60*time.Second, "every message", func() bool { return handled(ws...) >= messages })

	// Delayed messages from publishers 60 s fast and 60 s slow.
	var dids []string
	published := time.Now()
	for _, off := range []time.Duration{time.Minute, -time.Minute} {
		pm := newManager(t, srv.Addr, logger.Nop(), redis.WithClock(skew.Clock(off)))
		for i := 0; i < delayed; i++ {
			id, err := pm.GetQueue().Enqueue(ctx, topic, map[string]interface{}{"n": i, "offset": off.String()}, redis.WithDelay(delay))
			if err != nil {
				t.Fatalf("delayed publish: %v", err)
			}
			dids = append(dids, id)
		}
	}
	publishedBy := time.Now()
	seenAt := firstSeen(t, ws[1:], dids, delay+lateBound+10*time.Second)
	var earliest, latest time.Duration = time.Hour, 0
	early, late := 0, 0
	for _, id := range dids {
		at, ok := seenAt[id]
		if !ok {
			late++
			continue
		}
		// Due between published+delay and publishedBy+delay.
		if published.Add(delay).Sub(at) > earlyBound {
			early++
		}
		if at.Sub(publishedBy.Add(delay)) > lateBound {
			late++
		}
		earliest, latest = min(earliest, at.Sub(published)), max(latest, at.Sub(published))
	}
	if early > 0 || late > 0 {
		t.Errorf("of %d delayed messages, %d were handled more than %v before they were due and %d more than %v after",
			len(dids), early, earlyBound, late, lateBound)
	}
	for _, w := range ws[1:] {
		w.stop(t, 10*time.Second)
	}

	r := count(append(ids, dids...), readSeen(t, ws...))
	stray := 0
	for id := range r.dups {
		if !orphan[id] {
			stray++
		}
	}
	if stray > 0 {
		t.Errorf("%d messages handled more than once that the killed worker did not hold", stray)
	}
	for _, w := range ws[1:] {
		if n := recoveries(w); n > 1 {
			t.Errorf("%s logged %d recoveries, want at most the killed worker's", w.name, n)
		}
	}
	if s := stats(t, m, topic); s.Dead != 0 || s.Pending != 0 || s.InFlight != 0 || s.Delayed != 0 {
		t.Errorf("left over: %+v", s)
	}
	t.Logf("delayed messages (%v delay, publishers ±60 s) handled %v–%v after publishing; publishing took %v",
		delay, earliest.Round(time.Millisecond), latest.Round(time.Millisecond), publishedBy.Sub(published).Round(time.Millisecond))
	r.summary(t, "clock skew (workers +60s/-60s/0, fast one SIGKILLed, window 3s)", "recovery", recovered,
		"held_by_killed="+strconv.Itoa(len(orphan)))
}

// recoveries counts the worker's "recovered in-flight messages of a dead
// consumer" log lines.
func recoveries(w *worker) int {
	b, _ := os.ReadFile(w.stderr)
	return bytes.Count(b, []byte(`"recovered in-flight messages of a dead consumer"`))
}

// firstSeen polls the workers' id files until every id in want was
// handled, or d passed, and returns when each was first seen (to within the
// 20 ms poll).
func firstSeen(t *testing.T, ws []*worker, want []string, d time.Duration) map[string]time.Time {
	t.Helper()
	at := map[string]time.Time{}
	deadline := time.Now().Add(d)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for len(at) < len(want) && time.Now().Before(deadline) {
		<-tick.C
		seen := readSeen(t, ws...)
		now := time.Now()
		for _, id := range want {
			if _, ok := at[id]; !ok && seen[id] > 0 {
				at[id] = now
			}
		}
	}
	return at
}

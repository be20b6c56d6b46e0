package fault

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"goweb/pkg/logger"
	"goweb/pkg/redis/redistest"
)

// publishers publish continuously from goroutines of the test process and
// keep the ids of the publishes that returned success.
type publishers struct {
	mu     sync.Mutex
	ok     []string
	failed atomic.Int64
	lastOK atomic.Int64 // unix ns of the latest success
	stop   context.CancelFunc
	wg     sync.WaitGroup
}

func startPublishers(t *testing.T, publish func(ctx context.Context, n int) (string, error), goroutines int, pause time.Duration) *publishers {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	p := &publishers{stop: cancel}
	for g := 0; g < goroutines; g++ {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			for n := 0; ctx.Err() == nil; n++ {
				id, err := publish(ctx, n)
				if err != nil {
					p.failed.Add(1)
					sleep(ctx, 20*time.Millisecond) // do not spin while Redis is down
					continue
				}
				p.mu.Lock()
				p.ok = append(p.ok, id)
				p.mu.Unlock()
				p.lastOK.Store(time.Now().UnixNano())
				sleep(ctx, pause)
			}
		}()
	}
	t.Cleanup(p.halt)
	return p
}

func (p *publishers) halt() {
	p.stop()
	p.wg.Wait()
}

func (p *publishers) published() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.ok...)
}

func (p *publishers) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.ok)
}

func sleep(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// Redis is SIGKILLed mid-run and restarted on the same port and directory,
// with every write fsynced to the AOF. Every publish that returned success
// is delivered, and publishers and workers carry on without a restart.
func TestRedisRestart(t *testing.T) {
	const outage = 2 * time.Second
	srv := startRedis(t, "--appendonly", "yes", "--appendfsync", "always")
	m := newManager(t, srv.Addr, logger.Nop())
	q := m.GetQueue()
	topic := redistest.Topic(t)
	o := workerOpts{concurrency: 8, recovery: 3 * time.Second, delay: time.Millisecond}
	ws := []*worker{startWorker(t, "w0", srv.Addr, topic, o), startWorker(t, "w1", srv.Addr, topic, o)}
	for _, w := range ws {
		w.consumerID(t)
	}
	pubs := startPublishers(t, func(ctx context.Context, n int) (string, error) {
		cctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		return q.Enqueue(cctx, topic, map[string]interface{}{"n": n})
	}, 4, time.Millisecond)

	eventually(t, 20*time.Second, "publishing and handling to get going", func() bool {
		return pubs.count() >= 2000 && handled(ws...) >= 1000
	})
	srv.Kill()
	killed := time.Now()
	before := pubs.count()
	time.Sleep(outage) // the outage itself
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	restarted := time.Now()
	t.Logf("Redis down for %v; %d publishes had succeeded before the kill", restarted.Sub(killed).Round(time.Millisecond), before)

	var pubRecovery, workRecovery time.Duration
	handledAtRestart := handled(ws...)
	eventually(t, 15*time.Second, "publishers to succeed again", func() bool {
		if ns := pubs.lastOK.Load(); ns > restarted.UnixNano() {
			pubRecovery = time.Unix(0, ns).Sub(restarted)
			return true
		}
		return false
	})
	eventually(t, 15*time.Second, "workers to handle messages again", func() bool {
		if handled(ws...) > handledAtRestart+100 {
			workRecovery = time.Since(restarted)
			return true
		}
		return false
	})
	eventually(t, 20*time.Second, "more publishes after the restart", func() bool { return pubs.count() >= before+2000 })
	pubs.halt()
	ids := pubs.published()

	awaitHandled(t, ids, ws, 30*time.Second)
	s := stats(t, m, topic)
	for _, w := range ws {
		if !w.alive() {
			t.Errorf("%s exited during the outage", w.name)
		}
		w.stop(t, 10*time.Second)
	}
	r := count(ids, readSeen(t, ws...))
	if len(r.lost) > 0 {
		t.Logf("after waiting: pending=%d in_flight=%d delayed=%d dead=%d", s.Pending, s.InFlight, s.Delayed, s.Dead)
	}
	t.Logf("publishes failed during the outage: %d; handled but not published-with-success: %d", pubs.failed.Load(), r.extra)
	r.summary(t, "Redis SIGKILL+restart (AOF always, 2 workers, 4 publishers)", "worker_recovery", workRecovery,
		"publisher_recovery="+pubRecovery.Round(time.Millisecond).String())
}

package fault

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"goweb/pkg/logger"
	"goweb/pkg/redis"
	"goweb/pkg/redis/redistest"
	"goweb/pkg/redis/redistest/netfault"
)

// The network-fault tests put a Toxiproxy proxy between Redis and
// everything that uses the queue: two worker processes and two publishing
// goroutines of the test process. The test itself reads Redis directly.
// The four scenarios are independent (a server, a proxy and workers each)
// and mostly wait out their fault, so they run at the same time, as
// subtests of TestNetworkFaults.

// faultFor is how long each network fault lasts.
const faultFor = 10 * time.Second

// clientTimeout is the read and write timeout of the workers and of the
// publishers (the worker program's default, newManager's).
const clientTimeout = time.Second

// netScenario describes one network fault.
type netScenario struct {
	test string // the subtest's name
	name string // for the summary line
	// backlog messages are published straight to Redis before the fault,
	// each with pad bytes of padding (the publishers' messages too).
	backlog, pad int
	// fault puts the fault in place, keeps it faultFor and clears it.
	fault func(r *netRun)
	// leasesExpire says the fault outlasts the workers' leases: what they
	// held when it began may then be delivered twice.
	leasesExpire bool
	// resentOnlyAfterTimeout says a publish can be stored twice only if it
	// took longer than a read timeout: go-redis resends a command whose
	// reply did not come only after the timeout (latency, a blackhole,
	// little bandwidth), but at once after a reset.
	resentOnlyAfterTimeout bool
	// catchUp bounds how long after the fault the workers take to handle
	// a message published as it ends, backlog included; 30 s when zero.
	catchUp time.Duration
}

// netRun is one scenario running.
type netRun struct {
	t      *testing.T
	px     *netfault.Proxy
	direct *redis.Manager // to Redis, not through the proxy
	topic  string
	cids   []string // the workers' consumer ids
	// leasesExpire: snapshotHeld once the fault is in place.
	leasesExpire bool
	// held are the messages the workers held when the fault began: the
	// ones a lease that ran out during it may deliver twice.
	held map[string]bool
}

// snapshotHeld records what each consumer holds (in flight or claimed).
func (r *netRun) snapshotHeld() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, cid := range r.cids {
		k := "{mq:" + r.topic + "}:"
		inflight, err := r.direct.Client().HVals(ctx, k+"inflight:"+cid).Result()
		if err != nil {
			r.t.Fatal(err)
		}
		claimed, err := r.direct.Client().LRange(ctx, k+"claim:"+cid, 0, -1).Result()
		if err != nil {
			r.t.Fatal(err)
		}
		for _, id := range entryIDs(append(inflight, claimed...)) {
			r.held[id] = true
		}
	}
}

// span is when a successful publish was called and when it returned.
type span struct{ start, end time.Time }

func runNetScenario(t *testing.T, s netScenario) {
	srv := startRedis(t)
	px := netfault.Start(t, srv.Addr)
	direct := newManager(t, srv.Addr, logger.Nop())
	viaProxy := newManager(t, px.Addr, logger.Nop())
	topic := redistest.Topic(t)
	pad := strings.Repeat("x", s.pad)
	r := &netRun{t: t, px: px, direct: direct, topic: topic, held: map[string]bool{}, leasesExpire: s.leasesExpire}

	o := workerOpts{concurrency: 8, recovery: redis.DefaultRecoveryWindow, delay: time.Millisecond}
	ws := []*worker{startWorker(t, "w0", px.Addr, topic, o), startWorker(t, "w1", px.Addr, topic, o)}
	for _, w := range ws {
		r.cids = append(r.cids, w.consumerID(t))
	}

	var (
		mu        sync.Mutex
		spans     = map[string]span{}
		faultEnd  atomic.Int64 // unix ns, once the fault is cleared
		pubResume atomic.Int64 // unix ns of the first success of a publish started after it
	)
	q := viaProxy.GetQueue()
	pubs := startPublishers(t, func(ctx context.Context, n int) (string, error) {
		start := time.Now()
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		data := map[string]interface{}{"n": n}
		if pad != "" {
			data["pad"] = pad
		}
		id, err := q.Enqueue(cctx, topic, data)
		if err != nil {
			return id, err
		}
		end := time.Now()
		mu.Lock()
		spans[id] = span{start, end}
		mu.Unlock()
		if e := faultEnd.Load(); e != 0 && start.UnixNano() > e {
			pubResume.CompareAndSwap(0, end.UnixNano())
		}
		return id, nil
	}, 2, 2*time.Millisecond)

	eventually(t, 20*time.Second, "publishing and handling through the proxy", func() bool {
		return pubs.count() >= 300 && handled(ws...) >= 200
	})
	var backlog []string
	if s.backlog > 0 {
		backlog = publishPadded(t, direct.GetQueue(), topic, s.backlog, 500, pad)
	}

	linesBefore := make([]int, len(ws))
	for i, w := range ws {
		linesBefore[i] = w.logLines()
	}
	handledBefore := handled(ws...)
	faultStart := time.Now()
	s.fault(r)
	ended := time.Now()
	handledDuring := handled(ws...) - handledBefore
	faultEnd.Store(ended.UnixNano())
	lines := 0
	for i, w := range ws {
		n := w.logLines() - linesBefore[i]
		lines += n
		if !w.alive() {
			t.Fatalf("%s exited during the fault:\n%s", w.name, tail(w.stderr, 10))
		}
		// A line per failing operation every 10 s, as in an outage.
		if n >= 50 {
			t.Errorf("%s logged %d lines during the %v fault, want fewer than 50:\n%s", w.name, n, faultFor, tail(w.stderr, 10))
		}
	}
	faultTook := ended.Sub(faultStart)

	// Recovery: a message published as the fault ends is handled (after
	// what was queued before it), and publishes through the proxy work.
	probe, err := direct.GetQueue().Enqueue(context.Background(), topic, map[string]interface{}{"probe": true})
	if err != nil {
		t.Fatal(err)
	}
	var caughtUp time.Duration
	eventually(t, cmp.Or(s.catchUp, 30*time.Second), "the workers to handle a message published as the fault ended", func() bool {
		if readSeen(t, ws...)[probe] > 0 {
			caughtUp = time.Since(ended)
			return true
		}
		return false
	})
	eventually(t, 20*time.Second, "a publish through the proxy after the fault", func() bool { return pubResume.Load() != 0 })
	pubRecovery := time.Unix(0, pubResume.Load()).Sub(ended)
	atEnd := pubs.count()
	eventually(t, 20*time.Second, "more publishes after the fault", func() bool { return pubs.count() >= atEnd+200 })
	pubs.halt()
	ids := append(append(backlog, probe), pubs.published()...)

	awaitHandled(t, ids, ws, 30*time.Second)
	st := stats(t, direct, topic)
	for _, w := range ws {
		if !w.alive() {
			t.Errorf("%s exited after the fault:\n%s", w.name, tail(w.stderr, 10))
			continue
		}
		w.stop(t, 10*time.Second)
	}
	seen := readSeen(t, ws...)
	res := count(ids, seen)
	if len(res.lost) > 0 {
		t.Logf("after waiting: pending=%d in_flight=%d delayed=%d dead=%d", st.Pending, st.InFlight, st.Delayed, st.Dead)
	}
	// Every delivery of an entry stored once more than it is acknowledged
	// is a redelivery: its first delivery's ack found the entry gone (its
	// lease had run out). The other extra deliveries are of entries stored
	// twice (a publish resent).
	deliveries := 0
	for _, n := range seen {
		deliveries += n
	}
	redelivered := deliveries - int(stats(t, direct, topic).Processed)
	if redelivered > 0 && !s.leasesExpire {
		t.Errorf("%d deliveries were of messages handled before and not acknowledged, with no lease running out", redelivered)
	}

	// Which duplicates at-least-once allows here.
	heldDups, resentDups := 0, 0
	for id, n := range res.dups {
		sp, published := spans[id]
		switch {
		case r.held[id]:
			heldDups++
		case published && px.Faulty(sp.start, sp.end) && (!s.resentOnlyAfterTimeout || sp.end.Sub(sp.start) >= clientTimeout):
			resentDups++
		default:
			t.Errorf("message %s handled %d times: not held by a worker when the fault began, and its publish (%v) could not have been resent", id, n, sp)
		}
	}
	if st.Dead != 0 {
		t.Errorf("%d dead letters", st.Dead)
	}
	t.Logf("fault lasted %v; publishes failed: %d; handled but not acknowledged to a publisher: %d", faultTook.Round(time.Millisecond), pubs.failed.Load(), res.extra)
	res.summary(t, s.name, "caught_up", caughtUp, fmt.Sprintf("handled_during=%d publisher_recovery=%v log_lines_during=%d (%.1f/s for 2 workers) dups_held=%d dups_resent=%d redelivered=%d",
		handledDuring, pubRecovery.Round(time.Millisecond), lines, float64(lines)/faultTook.Seconds(), heldDups, resentDups, redelivered))
}

// hold puts toxics in place for faultFor.
func hold(toxics ...netfault.Toxic) func(r *netRun) {
	return func(r *netRun) {
		r.px.Add(r.t, toxics...)
		if r.leasesExpire {
			r.snapshotHeld()
		}
		time.Sleep(faultFor) // the fault itself
		r.px.Clear(r.t)
	}
}

// The four network faults, each in a subtest of its own, run at the same
// time: each subtest is started from a goroutine of its own rather than
// marked parallel, so that all four overlap whatever -parallel allows (at
// go's default of GOMAXPROCS, two on a 2-core machine, they would otherwise
// run two by two). TestNetworkFaults itself runs in parallel with
// TestRedisDown, after the package's other tests; see the package doc.
func TestNetworkFaults(t *testing.T) {
	t.Parallel()
	var wg sync.WaitGroup
	for _, s := range []netScenario{
		// Every reply from Redis comes 200 ms ± 100 ms late. Nothing
		// fails: the replies come well within the 1 s read timeout.
		{
			test:                   "Latency",
			name:                   "latency 200ms±100ms on replies for 10s (2 workers, 2 publishers)",
			fault:                  hold(netfault.Toxic{Name: "latency", Type: "latency", Stream: netfault.Downstream, Attributes: map[string]int{"latency": 200, "jitter": 100}}),
			resentOnlyAfterTimeout: true,
		},
		// The network drops everything both ways while connections stay
		// open (Toxiproxy's timeout toxic with no timeout): commands time
		// out instead of failing fast, and leases run out (half the 10 s
		// window). Messages the workers held then may be delivered twice.
		{
			test: "Blackhole",
			name: "blackhole both ways for 10s (2 workers, 2 publishers, window 10s)",
			fault: hold(netfault.Toxic{Name: "drop_replies", Type: "timeout", Stream: netfault.Downstream, Attributes: map[string]int{"timeout": 0}},
				netfault.Toxic{Name: "drop_commands", Type: "timeout", Stream: netfault.Upstream, Attributes: map[string]int{"timeout": 0}}),
			leasesExpire:           true,
			resentOnlyAfterTimeout: true,
		},
		// Connections are cut again and again in the middle of what they
		// carry: reset (RST) a few milliseconds into a pipeline or script
		// call, either way, or closed after a random number of bytes, so
		// that a command or a reply arrives in part. go-redis resends a
		// command whose reply was cut, so a publish may be stored twice.
		{
			test:  "Resets",
			name:  "connections reset mid-pipeline and mid-script for 10s (2 workers, 2 publishers)",
			fault: resets,
		},
		// A backlog of 10,000 messages of 1 KiB is drained through
		// connections that carry 64 KiB/s each from Redis.
		{
			test:                   "Bandwidth",
			name:                   "bandwidth 64 KiB/s per connection from Redis for 10s, 10k×1KiB backlog (2 workers, 2 publishers)",
			backlog:                10_000,
			pad:                    1 << 10,
			fault:                  hold(netfault.Toxic{Name: "bandwidth", Type: "bandwidth", Stream: netfault.Downstream, Attributes: map[string]int{"rate": 64}}),
			resentOnlyAfterTimeout: true,
			catchUp:                60 * time.Second,
		},
	} {
		wg.Go(func() { t.Run(s.test, func(t *testing.T) { runNetScenario(t, s) }) })
	}
	wg.Wait()
}

// resets cuts connections for faultFor: every 150 to 700 ms, a reset_peer
// or limit_data toxic, on commands or on replies, for 50 to 300 ms.
func resets(r *netRun) {
	seed := time.Now().UnixNano()
	r.t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(uint64(seed), 0))
	streams := []string{netfault.Upstream, netfault.Downstream}
	for end := time.Now().Add(faultFor); time.Now().Before(end); {
		stream := streams[rng.IntN(2)]
		if rng.IntN(2) == 0 {
			r.px.Add(r.t, netfault.Toxic{Name: "reset", Type: "reset_peer", Stream: stream, Attributes: map[string]int{"timeout": rng.IntN(20)}})
		} else {
			r.px.Add(r.t, netfault.Toxic{Name: "cut", Type: "limit_data", Stream: stream, Attributes: map[string]int{"bytes": 64 + rng.IntN(16<<10)}})
		}
		time.Sleep(time.Duration(50+rng.IntN(250)) * time.Millisecond) // the fault itself
		r.px.Clear(r.t)
		time.Sleep(time.Duration(100+rng.IntN(300)) * time.Millisecond) // a healthy moment
	}
}

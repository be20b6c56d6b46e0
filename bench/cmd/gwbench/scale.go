package main

import (
	"context"
	"fmt"
	"log"
	"runtime/pprof"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"goweb/bench/internal/result"
	"goweb/pkg/redis"
)

// resumers is how many Resume (and Pause) calls the scale workload runs
// at once, each on a connection of its own, so that 1,000 topics are
// resumed in a few rounds of two round trips rather than one after
// another. With 32 at a time, resuming 1,000 topics took 0.45 s of a
// 0.5 s run (and 1.6 s of 3.7 s with 200k messages): the topics resumed
// first were consuming while the last waited.
const resumers = 256

// scale measures one Manager consuming a backlog spread over 1 to 1,000
// topics, then one topic consumed by 1, 2 and 4 processes.
//
// The topic rows measure steady-state throughput, as the dispatch
// workload does: the topics are paused, the backlog is published, every
// consumer is started and waiting (listed in its topic's consumers), and
// the time runs from the first Resume until the handlers have run n times
// and the topics' Processed counters add up to n. Starting 1,000
// subscriptions takes a good part of a second, which a one-topic run does
// not pay; the start-up-inclusive figure (from the first Subscribe) is kept
// as scale_topics_<k>_with_startup_msgs_per_s.
func (e *env) scale() ([]result.Metric, error) {
	n := e.size(200000, 10000)
	m, err := e.warmManager()
	if err != nil {
		return nil, err
	}
	defer m.Close()
	q := m.GetQueue()
	var ms []result.Metric
	for _, k := range []int{1, 10, 100, 1000} {
		topics := topicNames(fmt.Sprintf("topics%d", k), k)
		conc := max(1, concurrency/k)
		// Labelled, so that a -cpuprofile of the run can be cut by topic
		// count: go tool pprof -tagfocus scale_topics=1000 cpu.out. The
		// consuming Manager's goroutines, started inside, carry the label.
		var d drained
		pprof.Do(context.Background(), pprof.Labels("scale_topics", strconv.Itoa(k)), func(context.Context) {
			d, err = e.drainPaused(m, n, topics, conc)
		})
		if err != nil {
			return nil, fmt.Errorf("%d topics: %w", k, err)
		}
		note := fmt.Sprintf("one Manager, %d Subscribe x WithConcurrency(%d) (total %d), %d msgs", k, conc, k*conc, n)
		ms = append(ms,
			result.Metric{Name: fmt.Sprintf("scale_topics_%d_msgs_per_s", k), Value: rate(n, d.steady), Unit: "msg/s",
				Note: note + "; steady state: every consumer started and waiting on paused topics, timed from the first Resume to Processed = n"},
			result.Metric{Name: fmt.Sprintf("scale_topics_%d_with_startup_msgs_per_s", k), Value: rate(n, d.withStartup), Unit: "msg/s",
				Note: note + "; timed from the first Subscribe to Processed = n, so start-up, the harness's wait for it and the resumes included"})
		if err := e.flush(); err != nil {
			return nil, err
		}
	}
	n = e.size(50000, 10000)
	for _, p := range []int{1, 2, 4} {
		topic := fmt.Sprintf("procs%d", p)
		if _, err := publishBatch(q, n, []string{topic}); err != nil {
			return nil, err
		}
		d, err := e.consumeChildren(m, n, p, topic)
		if err != nil {
			return nil, err
		}
		ms = append(ms, result.Metric{Name: fmt.Sprintf("scale_procs_%d_msgs_per_s", p), Value: rate(n, d), Unit: "msg/s",
			Note: fmt.Sprintf("child processes, WithConcurrency(%d) each, done = Inspector Processed", concurrency)})
		if err := e.flush(); err != nil {
			return nil, err
		}
	}
	return ms, nil
}

// drained is what drainPaused measured.
type drained struct {
	steady      time.Duration // first Resume to Processed = n
	withStartup time.Duration // first Subscribe to Processed = n
}

// drainPaused pauses topics, publishes n messages over them, subscribes
// them all (conc each) with a no-op handler, waits until every consumer is
// listed in its topic's consumers, resumes them all at once and waits
// until the topics' Processed counters add up to n.
func (e *env) drainPaused(m *redis.Manager, n int, topics []string, conc int) (drained, error) {
	ctx := context.Background()
	// Pausing opens the connections the resumes use.
	ctl, err := newPooledManager(e.addr, resumers, e.opts...)
	if err != nil {
		return drained{}, err
	}
	defer ctl.Close()
	insp := ctl.Inspector()
	if err := eachTopic(topics, func(t string) error { return insp.Pause(ctx, t) }); err != nil {
		return drained{}, err
	}
	if _, err := publishBatch(m.GetQueue(), n, topics); err != nil {
		return drained{}, err
	}
	cd := newCountdown(n)
	// mono() at the 10% and the 90% handler call: the rate between them
	// leaves out both the ramp after the resumes and the last topics' tail.
	var calls, at10, at90 atomic.Int64
	subscribed := time.Now()
	s, err := e.subscribe(topics, conc, func(context.Context, *redis.Message) error {
		switch calls.Add(1) {
		case int64(n / 10):
			at10.Store(mono())
		case int64(n * 9 / 10):
			at90.Store(mono())
		}
		cd.hit()
		return nil
	})
	if err != nil {
		return drained{}, err
	}
	defer func() {
		if err := s.stop(); err != nil {
			log.Printf("scale: %v", err)
		}
	}()
	listed := func(sts []redis.TopicStats) bool {
		for _, st := range sts {
			if st.Consumers == 0 {
				return false
			}
		}
		return true
	}
	if err := pollStats(insp, topics, time.Minute, listed); err != nil {
		return drained{}, fmt.Errorf("waiting for every consumer to start: %w", err)
	}
	startup := time.Since(subscribed)
	if err := e.rdb.ConfigResetStat(ctx).Err(); err != nil {
		return drained{}, err
	}
	cpu := e.cpuMeter()
	resumed, resumedMono := time.Now(), mono()
	if err := eachTopic(topics, func(t string) error { return insp.Resume(ctx, t) }); err != nil {
		return drained{}, err
	}
	resuming := time.Since(resumed)
	select {
	case <-cd.done:
	case <-time.After(5 * time.Minute):
		return drained{}, fmt.Errorf("timed out: %d/%d handled", n-int(cd.left.Load()), n)
	}
	handled := time.Since(resumed)
	processed := func(sts []redis.TopicStats) bool {
		var sum int64
		for _, st := range sts {
			sum += st.Processed
		}
		return sum >= int64(n)
	}
	if err := pollStats(insp, topics, time.Minute, processed); err != nil {
		return drained{}, fmt.Errorf("waiting for Processed = %d: %w", n, err)
	}
	d := drained{steady: time.Since(resumed), withStartup: time.Since(subscribed)}
	k := len(topics)
	cpu.report(fmt.Sprintf("scale: %d topics, consume %d msgs, conc %d each, from Resume", k, n, conc), n)
	since := func(t int64) time.Duration { return time.Duration(t - resumedMono).Round(time.Millisecond) }
	log.Printf("scale: %d topics: start-up %v (Subscribe to every consumer listed), resuming all %v; after the first Resume: 10%% handled %v, 90%% %v, the last %v, Processed = n %v: %.0f msg/s steady, %.0f msg/s between 10%% and 90%%, %.0f msg/s with start-up",
		k, startup.Round(time.Millisecond), resuming.Round(time.Microsecond), since(at10.Load()), since(at90.Load()),
		handled.Round(time.Millisecond), d.steady.Round(time.Millisecond), rate(n, d.steady),
		rate(n*9/10-n/10, time.Duration(at90.Load()-at10.Load())), rate(n, d.withStartup))
	// Redis commands per message show where the cost per topic goes.
	if calls, perCmd, err := e.commandCalls(); err == nil {
		log.Printf("scale: %d topics: %.2f Redis commands per message (%s per message)",
			k, float64(calls)/float64(n), describeCalls(perCmd, float64(n)))
	}
	return d, nil
}

// eachTopic calls fn for every topic, resumers at a time, and returns the
// first error.
func eachTopic(topics []string, fn func(string) error) error {
	next := make(chan string)
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	for range min(resumers, len(topics)) {
		wg.Go(func() {
			for t := range next {
				if err := fn(t); err != nil {
					once.Do(func() { first = err })
				}
			}
		})
	}
	for _, t := range topics {
		next <- t
	}
	close(next)
	wg.Wait()
	return first
}

// pollStats reads the stats of topics every 2 ms until cond holds for
// them or d passes.
func pollStats(insp *redis.Inspector, topics []string, d time.Duration, cond func([]redis.TopicStats) bool) error {
	deadline := time.Now().Add(d)
	for {
		sts, err := insp.StatsOf(context.Background(), topics)
		if err != nil {
			return err
		}
		if cond(sts) {
			return nil
		}
		if time.Now().After(deadline) {
			return errTimedOut
		}
		time.Sleep(2 * time.Millisecond)
	}
}

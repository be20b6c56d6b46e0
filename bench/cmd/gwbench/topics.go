package main

import (
	"fmt"
	"log"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"goweb/bench/internal/result"
)

// topics measures what idle topics cost one process: Redis connections
// (INFO clients, less the harness's own), Redis commands a second (INFO
// commandstats deltas, script-internal commands included) and the
// process's resident memory, for 1, 100 and 1,000 topics subscribed with
// WithConcurrency(10) each and nothing published (issue #14), with the
// default options: the shared fetch path past 32 subscriptions. Then, the
// topics still idle, the pickup of messages trickled onto random ones of
// them from outside the subscribing Manager (pickupMetrics). The counts
// come from -topic-counts, measured in turn in this process; with one count
// alone the figures are those of a fresh process holding only those topics.
func (e *env) topics() ([]result.Metric, error) {
	window := time.Duration(e.size(10, 5)) * time.Second
	var ms []result.Metric
	for i, k := range e.topicCounts {
		p := newPickups()
		names := topicNames(fmt.Sprintf("idle%d", k), k)
		s, err := e.subscribe(names, 10, p.handle)
		if err != nil {
			return nil, err
		}
		time.Sleep(5 * time.Second) // every consumer started and settled into its idle loop
		calls, perCmd, secs, err := e.idleCalls(window)
		if err != nil {
			return nil, err
		}
		info, err := e.info("clients")
		if err != nil {
			return nil, err
		}
		conns, _ := strconv.Atoi(info["connected_clients"])
		conns-- // the harness's admin connection
		runtime.GC()
		rss := residentBytes()
		var mem runtime.MemStats
		runtime.ReadMemStats(&mem)
		log.Printf("topics: %d idle topics: %d connections, %.1f cmd/s (%s), RSS %.1f MB (heap in use %.1f MB, heap idle kept %.1f MB, stacks %.1f MB, runtime %.1f MB, %d goroutines)",
			k, conns, float64(calls)/secs, describeCalls(perCmd, secs), float64(rss)/(1<<20),
			mb(mem.HeapInuse), mb(mem.HeapIdle-mem.HeapReleased), mb(mem.StackInuse),
			mb(mem.MSpanSys+mem.MCacheSys+mem.BuckHashSys+mem.GCSys+mem.OtherSys), runtime.NumGoroutine())
		if i == len(e.topicCounts)-1 && e.memProfile != "" {
			if err := writeHeapProfile(e.memProfile); err != nil {
				return nil, err
			}
		}
		note := fmt.Sprintf("one Manager, default options, %d idle topics, WithConcurrency(10) each", k)
		ms = append(ms,
			result.Metric{Name: fmt.Sprintf("topics_%d_connections", k), Value: float64(conns), Unit: "conns", Note: note},
			result.Metric{Name: fmt.Sprintf("topics_%d_idle_cmds_per_s", k), Value: float64(calls) / secs, Unit: "cmd/s", Note: note},
			result.Metric{Name: fmt.Sprintf("topics_%d_rss_mb", k), Value: float64(rss) / (1 << 20), Unit: "MB", Note: note + "; the harness process's RSS"})
		pm, err := e.pickupMetrics(p, names)
		if err != nil {
			return nil, err
		}
		ms = append(ms, pm...)
		if err := s.stop(); err != nil {
			return nil, err
		}
		if err := e.flush(); err != nil {
			return nil, err
		}
	}
	return ms, nil
}

// mb is n bytes in MiB.
func mb(n uint64) float64 { return float64(n) / (1 << 20) }

// parseCounts reads a comma-separated list of positive counts.
func parseCounts(s string) ([]int, error) {
	var ns []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("-topic-counts %q: %q is not a positive count", s, f)
		}
		ns = append(ns, n)
	}
	return ns, nil
}

// writeHeapProfile writes the heap profile as of the last GC to path.
func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.WriteHeapProfile(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// residentBytes is this process's resident set size (Linux), or 0.
func residentBytes() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

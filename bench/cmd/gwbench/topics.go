package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"goweb/bench/internal/result"
	"goweb/pkg/redis"
)

// topics measures what idle topics cost one process: Redis connections
// (INFO clients, less the harness's own), Redis commands a second (INFO
// commandstats deltas, script-internal commands included) and the
// process's resident memory, for 1, 100 and 1,000 topics subscribed with
// WithConcurrency(10) each and nothing published (issue #14), with the
// default options: the shared fetch path past 32 subscriptions.
func (e *env) topics() ([]result.Metric, error) {
	window := time.Duration(e.size(10, 5)) * time.Second
	var ms []result.Metric
	for _, k := range []int{1, 5, 100, 1000} {
		s, err := e.subscribe(topicNames(fmt.Sprintf("idle%d", k), k), 10, func(context.Context, *redis.Message) error { return nil })
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
		log.Printf("topics: %d idle topics: %d connections, %.1f cmd/s (%s), RSS %.1f MB (heap in use %.1f MB, stacks %.1f MB, %d goroutines)",
			k, conns, float64(calls)/secs, describeCalls(perCmd, secs), float64(rss)/(1<<20),
			float64(mem.HeapInuse)/(1<<20), float64(mem.StackInuse)/(1<<20), runtime.NumGoroutine())
		note := fmt.Sprintf("one Manager, default options, %d idle topics, WithConcurrency(10) each", k)
		ms = append(ms,
			result.Metric{Name: fmt.Sprintf("topics_%d_connections", k), Value: float64(conns), Unit: "conns", Note: note},
			result.Metric{Name: fmt.Sprintf("topics_%d_idle_cmds_per_s", k), Value: float64(calls) / secs, Unit: "cmd/s", Note: note},
			result.Metric{Name: fmt.Sprintf("topics_%d_rss_mb", k), Value: float64(rss) / (1 << 20), Unit: "MB", Note: note + "; the harness process's RSS"})
		if err := s.stop(); err != nil {
			return nil, err
		}
		if err := e.flush(); err != nil {
			return nil, err
		}
	}
	return ms, nil
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

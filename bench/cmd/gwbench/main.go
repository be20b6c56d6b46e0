// Command gwbench runs the shared queue benchmark workloads (see
// bench/peers/README.md) against goweb's own queue, pkg/redis, and prints
// one JSON object per metric on stdout, exactly as the peer harnesses do.
// Logs go to stderr. It needs a private Redis: it runs FLUSHALL.
//
//	go run ./bench/cmd/gwbench -redis 127.0.0.1:6390 -workload all -short
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strings"

	"goweb/bench/internal/result"
	"goweb/pkg/redis"
)

const impl = "gateway-worker"

func main() {
	addr := flag.String("redis", "", "Redis host:port (required)")
	workload := flag.String("workload", "all", "throughput|latency|delay|memory|idle|topics|scale|dispatch|flow|replica-ack|all")
	short := flag.Bool("short", false, "smaller sizes")
	runs := flag.Int("runs", 1, "repeat each workload N times and report medians")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	serviceBin := flag.String("service", "", "the gateway-worker binary the dispatch workload runs (default: built from this tree), to compare two builds with one harness")
	child := flag.String("child-consume", "", "internal: run as a consumer child process on this topic")
	childRate := flag.String("child-rate", "", "internal: the child's rate limit, as redis.ParseRateLimit reads it")
	topicCounts := flag.String("topic-counts", "1,5,100,1000", "the topics workload's numbers of idle topics, measured in turn; one count alone measures a fresh process")
	memProfile := flag.String("memprofile", "", "the topics workload writes a heap profile of the last count measured to this file")
	flag.Parse()
	log.SetOutput(os.Stderr)
	log.SetFlags(log.Ltime | log.Lmicroseconds)
	if *addr == "" {
		fmt.Fprintln(os.Stderr, "-redis host:port is required")
		os.Exit(2)
	}
	if *child != "" {
		var opts []redis.SubscribeOption
		if *childRate != "" {
			r, err := redis.ParseRateLimit(*childRate)
			if err != nil {
				log.Fatalf("child: %v", err)
			}
			opts = append(opts, redis.WithRateLimit(r))
		}
		if err := childConsume(*addr, *child, opts...); err != nil {
			log.Fatalf("child: %v", err)
		}
		return
	}

	workloads := []struct {
		name string
		fn   func(*env) ([]result.Metric, error)
	}{
		{"throughput", (*env).throughput},
		{"latency", (*env).latency},
		{"delay", (*env).delay},
		{"memory", (*env).memory},
		{"idle", (*env).idle},
		{"topics", (*env).topics},
		{"scale", (*env).scale},
		{"dispatch", (*env).dispatch},
		{"flow", (*env).flow},
		{"replica-ack", (*env).replicaAck},
	}
	selected := workloads[:0:0]
	for _, w := range workloads {
		if *workload == "all" || *workload == w.name {
			selected = append(selected, w)
		}
	}
	if len(selected) == 0 {
		fmt.Fprintf(os.Stderr, "unknown workload %q\n", *workload)
		os.Exit(2)
	}

	e, err := newEnv(*addr, *short)
	if err != nil {
		log.Fatal(err)
	}
	defer e.close()
	e.serviceBin = *serviceBin
	e.memProfile = *memProfile
	if *memProfile != "" {
		runtime.MemProfileRate = 4096 // a finer sample than the default 512 KiB, for the idle topics' small allocations
	}
	if e.topicCounts, err = parseCounts(*topicCounts); err != nil {
		log.Fatal(err)
	}

	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}

	version := ourVersion()
	out := json.NewEncoder(os.Stdout)
	out.SetEscapeHTML(false)
	for _, w := range selected {
		var all [][]result.Metric
		for r := 0; r < max(*runs, 1); r++ {
			log.Printf("%s: run %d/%d", w.name, r+1, max(*runs, 1))
			if err := e.flush(); err != nil {
				log.Fatal(err)
			}
			ms, err := w.fn(e)
			if err != nil {
				log.Fatalf("%s: %v", w.name, err) //nolint:gocritic // the deferred cleanup only matters on success
			}
			all = append(all, ms)
		}
		for _, m := range result.Medians(all) {
			_ = out.Encode(result.Line{Impl: impl, Version: version, Workload: w.name,
				Metric: m.Name, Value: result.Round3(m.Value), Unit: m.Unit, Note: m.Note})
		}
	}
	_ = e.flush()
}

// ourVersion names the code under test: the module version stamped by the
// build if there is one, else `git describe` of the working tree.
func ourVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	if out, err := exec.Command("git", "describe", "--tags", "--always", "--dirty").Output(); err == nil {
		return strings.TrimSpace(string(out))
	}
	return "devel"
}

// Command compare runs goweb's queue benchmark (gwbench) and the asynq and
// BullMQ peer harnesses one after another on one private redis-server (with
// -baseline, gateway-worker and its baseline take turns run by run), and
// prints one table of the median figures with our ratio to the best peer
// and the targets of the core-library issue. With -out it also writes the
// table as Markdown, with a description of the machine.
//
// Run it from anywhere inside the repository:
//
//	go run ./bench/cmd/compare -runs 3 -out docs/benchmarks-latest.md
//	go run ./bench/cmd/compare -short -runs 1
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"goweb/pkg/redis/redistest"
)

func main() {
	runs := flag.Int("runs", 3, "runs of each workload per implementation; the harnesses report medians (with -baseline, compare does for the two it alternates)")
	scaleRuns := flag.Int("scale-runs", 0, "runs of the scale workload, the slowest one (default: -runs)")
	short := flag.Bool("short", false, "smaller sizes (the whole comparison in under 2 minutes)")
	out := flag.String("out", "", "also write the table as Markdown to this file (- for stdout)")
	workload := flag.String("workload", "all", "throughput|latency|delay|memory|idle|topics|scale|dispatch|flow|replica-ack|all (the peers run the first six)")
	only := flag.String("impls", "gateway-worker,asynq,bullmq", "comma-separated implementations to run")
	baseline := flag.String("baseline", "", "also run gateway-worker as of this git revision, in the same run, and add a column of ratios to it")
	flag.Parse()
	log.SetFlags(log.Ltime)
	log.SetPrefix("compare: ")

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *scaleRuns <= 0 {
		*scaleRuns = *runs
	}
	if err := run(ctx, *runs, *scaleRuns, *short, *out, *workload, *baseline, strings.Split(*only, ",")); err != nil {
		log.Print(err)
		stop()
		os.Exit(1)
	}
}

func run(ctx context.Context, runs, scaleRuns int, short bool, out, workload, baseline string, only []string) error {
	root, err := repoRoot()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "goweb-bench-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	srv, err := redistest.StartServer(redistest.Options{Args: []string{"--save", "", "--appendonly", "no"}})
	if err != nil {
		return err
	}
	defer srv.Stop()
	log.Printf("private redis-server on %s", srv.Addr)

	// One harness call per workload when scale gets its own run count (a
	// harness takes one -runs); else one call for all.
	var calls []call
	if workload == "all" && scaleRuns != runs {
		for _, w := range []string{"throughput", "latency", "delay", "memory", "idle"} {
			calls = append(calls, call{args: []string{"-workload", w}, runs: runs})
		}
		calls = append(calls, call{args: []string{"-workload", "scale"}, runs: scaleRuns})
	} else {
		calls = append(calls, call{args: []string{"-workload", workload}, runs: runs})
	}
	for i := range calls {
		calls[i].args = append([]string{"-redis", srv.Addr}, calls[i].args...)
		if short {
			calls[i].args = append(calls[i].args, "-short")
		}
	}
	res := &results{values: map[string]map[string]float64{}, notes: map[string]map[string]string{},
		versions: map[string]string{}, failed: map[string]string{}, took: map[string]time.Duration{}}
	started, load := time.Now(), loadAvg()
	impls := implementations(root, tmp)
	if baseline != "" {
		impls = append([]impl{baselineImpl(root, tmp, baseline)}, impls...)
		only = append(only, impls[0].name)
	}
	// With a baseline, it and HEAD alternate run by run (alternate.go):
	// the load of a shared machine drifts over minutes, and running one
	// after the other put all of that drift into their ratio.
	var pair []prepared
	for _, im := range impls {
		if !contains(only, im.name) {
			continue
		}
		res.impls = append(res.impls, im.name)
		if ctx.Err() != nil {
			res.failed[im.name] = "interrupted"
			continue
		}
		t := time.Now()
		argv, err := im.prepare(ctx)
		if err != nil {
			log.Printf("%s: %v", im.name, err)
			res.failed[im.name] = err.Error()
			continue
		}
		if baseline != "" && (im.name == ours || im.name == impls[0].name) {
			pair = append(pair, prepared{impl: im, argv: argv})
			continue
		}
		var whys []string
		for _, c := range calls {
			lines, err := im.run(ctx, argv, c.with(c.runs))
			res.add(im.name, lines)
			if err != nil { // the remaining workloads still run
				log.Printf("%s: %v", im.name, err)
				whys = append(whys, err.Error())
			}
		}
		if len(whys) > 0 {
			res.failed[im.name] = strings.Join(whys, "; ")
		}
		res.took[im.name] = time.Since(t).Round(time.Second)
	}
	alternate(ctx, res, pair, calls)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	machine := describeMachine(ctx, srv.Addr, res, runs, scaleRuns, short, time.Since(started), load)

	t := buildTable(res)
	fmt.Println()
	fmt.Print(t.text())
	if out == "" {
		return nil
	}
	md := markdown(t, res, machine)
	if out == "-" {
		fmt.Print(md)
		return nil
	}
	if !filepath.IsAbs(out) {
		// Relative to where the user ran make/go run, which is the root for make.
		if wd, err := os.Getwd(); err == nil {
			out = filepath.Join(wd, out)
		}
	}
	if err := os.WriteFile(out, []byte(md), 0o644); err != nil {
		return err
	}
	log.Printf("wrote %s", out)
	return nil
}

// repoRoot is the directory of the main module's go.mod.
func repoRoot() (string, error) {
	b, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(b))
	if gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("run compare inside the goweb repository")
	}
	root := filepath.Dir(gomod)
	if _, err := os.Stat(filepath.Join(root, "bench", "peers")); err != nil {
		return "", fmt.Errorf("%s has no bench/peers: run compare inside the goweb repository", root)
	}
	return root, nil
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if strings.TrimSpace(x) == s {
			return true
		}
	}
	return false
}

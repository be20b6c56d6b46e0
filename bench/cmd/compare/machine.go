package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"goweb/pkg/redis/redistest"
)

// machine describes where the figures were measured.
type machine struct {
	date   string
	fields [][2]string
}

func describeMachine(ctx context.Context, redisAddr string, r *results, runs, scaleRuns int, short bool, took time.Duration, loadBefore string) machine {
	m := machine{date: time.Now().UTC().Format("2006-01-02 15:04 UTC")}
	add := func(k, v string) { m.fields = append(m.fields, [2]string{k, v}) }
	add("CPU", fmt.Sprintf("%s, %d cores", cpuModel(), runtime.NumCPU()))
	add("Memory", memTotal())
	add("OS", osName())
	add("Go", output("go", "env", "GOVERSION"))
	add("Node.js", output("node", "--version"))
	add("redis-server", redisVersion(ctx, redisAddr)+" (private instance, --save '' --appendonly no)")
	for _, im := range r.impls {
		v := r.versions[im]
		if v == "" {
			v = "n/a"
		}
		add(im, fmt.Sprintf("%s (harness ran %v)", v, r.took[im]))
	}
	mode := "full sizes"
	if short {
		mode = "-short sizes"
	}
	runsDesc := fmt.Sprintf("%d per workload and implementation", runs)
	if scaleRuns != runs {
		runsDesc += fmt.Sprintf(" (scale: %d)", scaleRuns)
	}
	add("Runs", fmt.Sprintf("%s, medians reported; %s; whole comparison took %v", runsDesc, mode, took.Round(time.Second)))
	// Other processes on the machine skew every figure; say how busy it was.
	add("Load average (1/5/15 min)", fmt.Sprintf("%s at the start, %s at the end", loadBefore, loadAvg()))
	add("Date", m.date)
	return m
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

func memTotal() string {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 64)
			if err == nil {
				return fmt.Sprintf("%.1f GiB", kb/(1<<20))
			}
		}
	}
	return "unknown"
}

func osName() string {
	name := runtime.GOOS
	if b, err := os.ReadFile("/etc/os-release"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "PRETTY_NAME="); ok {
				name = strings.Trim(v, `"`)
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		name += ", kernel " + strings.TrimSpace(string(b))
	}
	return name
}

func output(name string, args ...string) string {
	b, err := exec.Command(name, args...).Output()
	if err != nil {
		return "not installed"
	}
	return strings.TrimSpace(string(b))
}

func redisVersion(ctx context.Context, addr string) string {
	c := goredis.NewClient(&goredis.Options{Addr: addr})
	defer c.Close()
	v, err := redistest.Info(ctx, c, "server", "redis_version")
	if err != nil {
		return "unknown"
	}
	return v
}

// loadAvg returns the 1, 5 and 15 minute load averages.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

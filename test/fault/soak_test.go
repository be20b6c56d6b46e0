package fault

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"goweb/pkg/logger"
	"goweb/pkg/redis/redistest"
)

// One million messages (200k with -short) flow through two worker processes
// while they are being published. Worker memory stays bounded, and once
// the workers have stopped Redis holds only the documented per-topic keys.
func TestSoak(t *testing.T) {
	t.Parallel() // beside the idle faults (see the package doc)
	messages := 1_000_000
	if testing.Short() {
		messages = 200_000
	}
	const maxRSS = 200 << 20
	srv := startRedis(t)
	m := newManager(t, srv.Addr, logger.Nop())
	topic := redistest.Topic(t)
	o := workerOpts{concurrency: 50, recovery: 5 * time.Second}
	ws := []*worker{startWorker(t, "w0", srv.Addr, topic, o), startWorker(t, "w1", srv.Addr, topic, o)}
	for _, w := range ws {
		w.consumerID(t)
	}

	start := time.Now()
	ids := publishAll(t, m.GetQueue(), topic, messages, 1000)
	published := time.Since(start)
	eventually(t, 5*time.Minute, "the backlog to drain", func() bool {
		s := stats(t, m, topic)
		if s.Processed < int64(messages) {
			time.Sleep(200 * time.Millisecond) // Stats is cheap, but no need to ask 100 times a second
			return false
		}
		return s.Pending == 0 && s.InFlight == 0
	})
	took := time.Since(start)

	var peak []string
	for _, w := range ws {
		kb := vmHWM(t, w.cmd.Process.Pid)
		peak = append(peak, w.name+"="+strconv.Itoa(kb/1024)+"MB")
		if kb*1024 > maxRSS {
			t.Errorf("%s peak RSS %d MB, want under %d MB", w.name, kb/1024, maxRSS>>20)
		}
	}
	for _, w := range ws {
		w.stop(t, 30*time.Second)
	}
	used, _ := redistest.Info(context.Background(), m.Client(), "memory", "used_memory_human")
	checkNoLeftovers(t, m.Client(), topic)

	r := count(ids, readSeen(t, ws...))
	t.Logf("published %d in %v (%s); all handled in %v (%s); Redis used_memory after: %s",
		messages, published.Round(time.Millisecond), fmtRate(messages, published), took.Round(time.Millisecond), fmtRate(messages, took), used)
	r.summary(t, "soak "+strconv.Itoa(messages)+" messages, 2 workers × 50", "drain_time", took, "peak_rss="+strings.Join(peak, ","))
}

// vmHWM reads a process's peak resident set size in kB.
func vmHWM(t *testing.T, pid int) int {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			if err != nil {
				t.Fatal(err)
			}
			return kb
		}
	}
	t.Fatalf("no VmHWM in /proc/%d/status", pid)
	return 0
}

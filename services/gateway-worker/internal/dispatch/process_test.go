package dispatch_test

import (
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"goweb/pkg/config"
	"goweb/pkg/logger"
	"goweb/pkg/redis"
	"goweb/pkg/redis/redistest"
	"goweb/services/gateway-worker/internal/app"
	"goweb/services/gateway-worker/internal/servicetest"
)

// childEnv makes the test binary a gateway-worker service process (app.New
// and Run, as cmd/server runs them) with one route, until SIGTERM.
const childEnv = "GW_DISPATCH_CHILD"

// childWindow is the service's recovery window (the library default).
const childWindow = redis.DefaultRecoveryWindow

func runChild() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	host, port, _ := net.SplitHostPort(os.Getenv("GW_CHILD_REDIS"))
	appPort, err := redistest.FreePort()
	if err != nil {
		panic(err)
	}
	topic := os.Getenv("GW_CHILD_TOPIC")
	cfg := config.NewFromMap(map[string]any{
		"redis.host": host, "redis.port": port, "app.port": appPort, "shutdown.timeout": "5s",
		"worker.topics":        topic,
		"worker.topic_options": map[string]any{topic: map[string]any{"concurrency": 8}},
		"dispatch.routes":      `[{"topic":"` + topic + `","url":"` + os.Getenv("GW_CHILD_URL") + `","headers":{"X-Child":"${GW_CHILD_ID}"}}]`,
	})
	a, err := app.New(ctx, app.Options{Config: cfg, Log: logger.Nop()})
	if err != nil {
		panic(err)
	}
	if err := a.Run(ctx); err != nil {
		panic(err)
	}
}

// startChild starts a service process delivering the bundle's topic.
func (b *bundle) startChild(t *testing.T) *exec.Cmd {
	t.Helper()
	b.children++
	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), childEnv+"=1", "GW_CHILD_ID="+strconv.Itoa(b.children), "GW_CHILD_REDIS="+servicetest.Redis.Addr,
		"GW_CHILD_TOPIC="+b.topic, "GW_CHILD_URL="+b.recv.url+"/hook")
	child.Stderr = os.Stderr
	child.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = child.Process.Kill(); _ = child.Wait() })
	return child
}

// dedup is a receiver's de-duplication by webhook-id: it handles each id
// once and counts the repeats.
type dedup struct {
	mu      sync.Mutex
	handled map[string]time.Time
	repeats int
}

func (d *dedup) answer(_ int, w http.ResponseWriter, r *http.Request) {
	time.Sleep(5 * time.Millisecond) // the receiver's work: keeps deliveries in flight
	d.mu.Lock()
	defer d.mu.Unlock()
	id := r.Header.Get("Webhook-Id")
	if _, ok := d.handled[id]; ok {
		d.repeats++
		return
	}
	d.handled[id] = time.Now()
}

func (d *dedup) counts() (handled, repeats int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.handled), d.repeats
}

func TestTwoProcessesDeliverOneTopic(t *testing.T) {
	t.Parallel()
	b := setup(t)
	// Per-topic options are matched in lower case (settings), so the
	// children's topic is.
	b.topic = strings.ToLower(b.topic)
	rcv := &dedup{handled: map[string]time.Time{}}
	b.recv.set(rcv.answer)
	children := []*exec.Cmd{b.startChild(t), b.startChild(t)}
	const n = 400
	for i := 0; i < n; i++ {
		b.publish(t, map[string]interface{}{"n": i})
	}
	eventually(t, "every message handled", func() bool { h, _ := rcv.counts(); return h == n })
	for _, c := range children {
		_ = c.Process.Signal(syscall.SIGTERM)
		if err := c.Wait(); err != nil {
			t.Errorf("child: %v", err)
		}
	}
	if _, repeats := rcv.counts(); repeats != 0 {
		t.Errorf("%d duplicates without a crash", repeats)
	}
	if s := b.stats(t); s.Processed != n || s.Pending != 0 || s.InFlight != 0 {
		t.Errorf("stats = %+v", s)
	}
	byChild := map[string]int{}
	for _, r := range b.recv.all() {
		byChild[r.header.Get("X-Child")]++
	}
	if byChild["1"] == 0 || byChild["2"] == 0 {
		t.Errorf("requests by process: %v; want both to deliver", byChild)
	}
}

func TestKilledProcessMessagesAreDeliveredByTheOther(t *testing.T) {
	t.Parallel()
	b := setup(t)
	// Per-topic options are matched in lower case (settings), so the
	// children's topic is.
	b.topic = strings.ToLower(b.topic)
	rcv := &dedup{handled: map[string]time.Time{}}
	b.recv.set(rcv.answer)
	victim, other := b.startChild(t), b.startChild(t)
	const n = 400
	for i := 0; i < n; i++ {
		b.publish(t, map[string]interface{}{"n": i})
	}
	eventually(t, "deliveries under way", func() bool { h, _ := rcv.counts(); return h >= n/4 })
	_ = victim.Process.Signal(syscall.SIGKILL)
	killed := time.Now()
	_ = victim.Wait()
	eventually(t, "every message handled", func() bool { h, _ := rcv.counts(); return h == n })
	// The victim's leased messages come back within the recovery window;
	// the rest of the backlog takes the survivor a moment more.
	if took := time.Since(killed); took > childWindow+5*time.Second {
		t.Errorf("all delivered %v after the kill", took)
	}
	// A message the victim delivered but never acknowledged stays in its
	// lease until the survivor, the only one left to reap it, does so once
	// the recovery window is over; then it is delivered again and the
	// receiver drops the repeat.
	eventually(t, "the victim's last leases reaped", func() bool {
		s := b.stats(t)
		return s.Processed >= n && s.Pending == 0 && s.InFlight == 0
	})
	_ = other.Process.Signal(syscall.SIGTERM)
	if err := other.Wait(); err != nil {
		t.Errorf("survivor: %v", err)
	}
	// Duplicates only around the crash: at most what the victim held
	// (8 running and up to 256 prefetched, the library's default).
	if _, repeats := rcv.counts(); repeats > 8+256 {
		t.Errorf("%d duplicates, more than the victim could hold", repeats)
	}
	_, repeats := rcv.counts()
	t.Logf("all %d handled %v after SIGKILL; %d repeats the receiver dropped", n, time.Since(killed).Round(time.Millisecond), repeats)
}

package fault

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"goweb/pkg/config"
	"goweb/pkg/logger"
	"goweb/pkg/redis"
	"goweb/pkg/redis/redistest"
)

// worker is one running worker process.
type worker struct {
	name   string
	cmd    *exec.Cmd
	out    string // handled ids, one per line
	stderr string // its JSON log
	exited chan struct{}
	err    error // Wait's result, once exited is closed
}

// workerOpts are the worker's flags.
type workerOpts struct {
	concurrency int
	recovery    time.Duration
	delay       time.Duration
	shutdown    time.Duration
	maxRetries  int
	clockOffset time.Duration // how far the process's clock is wrong
}

func (o workerOpts) args() []string {
	a := []string{"-concurrency", strconv.Itoa(max(o.concurrency, 1))}
	if o.recovery > 0 {
		a = append(a, "-recovery", o.recovery.String())
	}
	if o.delay > 0 {
		a = append(a, "-delay", o.delay.String())
	}
	if o.shutdown > 0 {
		a = append(a, "-shutdown", o.shutdown.String())
	}
	if o.maxRetries > 0 {
		a = append(a, "-max-retries", strconv.Itoa(o.maxRetries))
	}
	if o.clockOffset != 0 {
		a = append(a, "-clock-offset", o.clockOffset.String())
	}
	return a
}

// startWorker starts a worker process on topic; it is SIGKILLed at cleanup
// if still running.
func startWorker(t *testing.T, name, addr, topic string, o workerOpts) *worker {
	t.Helper()
	dir := t.TempDir()
	w := &worker{
		name:   name,
		out:    filepath.Join(dir, "ids"),
		stderr: filepath.Join(dir, "stderr"),
		exited: make(chan struct{}),
	}
	errf, err := os.Create(w.stderr)
	if err != nil {
		t.Fatal(err)
	}
	args := append([]string{"-addr", addr, "-topic", topic, "-out", w.out}, o.args()...)
	w.cmd = exec.Command(workerBin, args...)
	w.cmd.Stderr = errf
	w.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // never outlive the test
	if err := w.cmd.Start(); err != nil {
		errf.Close()
		t.Fatal(err)
	}
	go func() {
		w.err = w.cmd.Wait()
		errf.Close()
		close(w.exited)
	}()
	t.Cleanup(func() {
		w.signal(syscall.SIGKILL)
		<-w.exited
		if t.Failed() {
			t.Logf("%s log tail:\n%s", w.name, tail(w.stderr, 10))
		}
	})
	return w
}

func (w *worker) signal(sig syscall.Signal) { _ = w.cmd.Process.Signal(sig) }

func (w *worker) alive() bool {
	select {
	case <-w.exited:
		return false
	default:
		return true
	}
}

// stop sends SIGTERM and waits up to d for a clean exit.
func (w *worker) stop(t *testing.T, d time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	w.signal(syscall.SIGTERM)
	w.waitExit(t, d)
	return time.Since(start)
}

// waitExit waits up to d for the worker to exit cleanly.
func (w *worker) waitExit(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case <-w.exited:
	case <-time.After(d):
		t.Fatalf("%s did not exit within %v", w.name, d)
	}
	if w.err != nil {
		t.Errorf("%s exited with %v after SIGTERM:\n%s", w.name, w.err, tail(w.stderr, 10))
	}
}

// kill SIGKILLs the worker and waits until it is gone.
func (w *worker) kill() {
	w.signal(syscall.SIGKILL)
	<-w.exited
}

// consumerID waits for the worker's "consumer started" log line and returns
// the consumer id it logged.
func (w *worker) consumerID(t *testing.T) string {
	t.Helper()
	var id string
	eventually(t, 10*time.Second, w.name+" to start consuming", func() bool {
		b, _ := os.ReadFile(w.stderr)
		for _, line := range bytes.Split(b, []byte("\n")) {
			var rec struct {
				Msg      string `json:"msg"`
				Consumer string `json:"consumer"`
			}
			if json.Unmarshal(line, &rec) == nil && rec.Msg == "consumer started" {
				id = rec.Consumer
				return true
			}
		}
		return false
	})
	return id
}

// logLines counts the lines the worker has logged so far.
func (w *worker) logLines() int {
	b, _ := os.ReadFile(w.stderr)
	return bytes.Count(b, []byte("\n"))
}

// readSeen counts how often each id was handled across the workers.
func readSeen(t *testing.T, ws ...*worker) map[string]int {
	t.Helper()
	seen := map[string]int{}
	for _, w := range ws {
		f, err := os.Open(w.out)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			seen[sc.Text()]++
		}
		f.Close()
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
	}
	return seen
}

// handled counts the lines of the workers' id files, cheaply.
func handled(ws ...*worker) int {
	n := 0
	for _, w := range ws {
		b, _ := os.ReadFile(w.out) // none yet: nil, 0 lines
		n += bytes.Count(b, []byte("\n"))
	}
	return n
}

// awaitHandled waits up to d for every id to be handled; what is still
// missing then is for the caller's tally to report.
func awaitHandled(t *testing.T, ids []string, ws []*worker, d time.Duration) {
	t.Helper()
	redistest.WaitUntil(d, func() bool { return len(count(ids, readSeen(t, ws...)).lost) == 0 })
}

// tally compares the published ids with what was handled.
type tally struct {
	published int
	lost      []string
	dups      map[string]int // id -> times handled, for ids handled more than once
	extra     int            // handled ids that were not in the published set
}

func count(published []string, seen map[string]int) tally {
	r := tally{published: len(published), dups: map[string]int{}}
	want := make(map[string]bool, len(published))
	for _, id := range published {
		want[id] = true
		if seen[id] == 0 {
			r.lost = append(r.lost, id)
		}
	}
	for id, n := range seen {
		if n > 1 {
			r.dups[id] = n
		}
		if !want[id] {
			r.extra++
		}
	}
	return r
}

// summary logs the line the lead copies into docs/reliability.md.
// label names what d measures, e.g. "recovery".
func (r tally) summary(t *testing.T, scenario, label string, d time.Duration, extra string) {
	t.Helper()
	dupDeliveries := 0
	for _, n := range r.dups {
		dupDeliveries += n - 1
	}
	t.Logf("SUMMARY %s: published=%d lost=%d duplicated=%d (extra deliveries %d) %s=%v %s",
		scenario, r.published, len(r.lost), len(r.dups), dupDeliveries, label, d.Round(time.Millisecond), extra)
	if len(r.lost) > 0 {
		t.Errorf("%s: %d of %d messages lost, e.g. %v", scenario, len(r.lost), r.published, r.lost[:min(5, len(r.lost))])
	}
}

// newManager connects the test process to addr with short timeouts
// (clientTimeout).
func newManager(t *testing.T, addr string, log logger.Logger, opts ...redis.ManagerOption) *redis.Manager {
	t.Helper()
	return newManagerTimeout(t, addr, log, clientTimeout, opts...)
}

// newManagerTimeout is newManager with dial, read and write timeouts of d.
func newManagerTimeout(t *testing.T, addr string, log logger.Logger, d time.Duration, opts ...redis.ManagerOption) *redis.Manager {
	t.Helper()
	m := redis.NewManager(&config.RedisConfig{
		URL:          "redis://" + addr,
		DialTimeout:  d,
		ReadTimeout:  d,
		WriteTimeout: d,
	}, log, opts...)
	t.Cleanup(func() { _ = m.Close() })
	return m
}

// publishAll publishes n messages in batches and returns their ids.
func publishAll(t *testing.T, q *redis.RedisQueue, topic string, n, batch int) []string {
	t.Helper()
	return publishPadded(t, q, topic, n, batch, "")
}

// publishPadded is publishAll with pad added to each message's data, to
// make messages of a given size.
func publishPadded(t *testing.T, q *redis.RedisQueue, topic string, n, batch int, pad string) []string {
	t.Helper()
	ids := make([]string, 0, n)
	msgs := make([]map[string]interface{}, 0, batch)
	for i := 0; i < n; i += batch {
		msgs = msgs[:0]
		for j := i; j < min(n, i+batch); j++ {
			data := map[string]interface{}{"n": j, "order_id": "ord-" + strconv.Itoa(j)}
			if pad != "" {
				data["pad"] = pad
			}
			msgs = append(msgs, data)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		got, err := q.EnqueueBatch(ctx, topic, msgs)
		cancel()
		if err != nil {
			t.Fatalf("PublishBatch: %v", err)
		}
		ids = append(ids, got...)
	}
	return ids
}

func stats(t *testing.T, m *redis.Manager, topic string) *redis.TopicStats {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := m.Inspector().Stats(ctx, topic)
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	return s
}

// startRedis starts a private redis-server for one test.
func startRedis(t *testing.T, args ...string) *redistest.Server {
	t.Helper()
	return redistest.Start(t, args...)
}

// eventually waits for cond; see redistest.Eventually.
var eventually = redistest.Eventually

// entryIDs extracts the ids of raw queue entries.
func entryIDs(entries []string) []string {
	var ids []string
	for _, e := range entries {
		var env struct {
			ID string `json:"id"`
		}
		if json.Unmarshal([]byte(e), &env) == nil && env.ID != "" {
			ids = append(ids, env.ID)
		}
	}
	slices.Sort(ids)
	return ids
}

func tail(path string, n int) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	for i, l := range lines {
		if len(l) > 300 {
			lines[i] = l[:300] + "…"
		}
	}
	return strings.Join(lines, "\n")
}

func fmtRate(n int, d time.Duration) string {
	return fmt.Sprintf("%.0f msg/s", float64(n)/d.Seconds())
}

// heldBy returns the ids of the messages consumer cid holds (in flight or
// claimed): after it is killed, the only messages that may come twice.
func heldBy(t *testing.T, m *redis.Manager, topic, cid string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	held, err := m.Client().HVals(ctx, "{mq:"+topic+"}:inflight:"+cid).Result()
	if err != nil {
		t.Fatal(err)
	}
	claimed, err := m.Client().LRange(ctx, "{mq:"+topic+"}:claim:"+cid, 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	return entryIDs(append(held, claimed...))
}

// waitReturned waits up to d for a killed consumer's in-flight messages to
// be handed back.
func waitReturned(t *testing.T, m *redis.Manager, topic, cid string, d time.Duration) {
	t.Helper()
	eventually(t, d, "the killed worker's messages to return", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		n, err := m.Client().Exists(ctx, "{mq:"+topic+"}:inflight:"+cid).Result()
		return err == nil && n == 0
	})
}

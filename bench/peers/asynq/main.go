// Command asynq is the asynq peer harness for the goweb queue benchmarks.
// It runs the shared workloads (see ../README.md) against a private Redis and
// prints one JSON object per metric on stdout. Logs go to stderr.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

const (
	impl        = "asynq"
	taskType    = "order"
	benchQueue  = "bench"
	concurrency = 50 // worker concurrency used by every consuming workload
	publishers  = 8  // concurrent single-message publishers
	warmupMsgs  = 1000
)

// order is the seed's order body; the optional stamps carry clock readings
// (nanoseconds on this process's monotonic clock, see mono).
type order struct {
	OrderID string  `json:"order_id"`
	UserID  string  `json:"user_id"`
	Type    string  `json:"type"`
	Message string  `json:"message"`
	Amount  float64 `json:"amount"`
	SentNs  int64   `json:"sent_ns,omitempty"`
	DueNs   int64   `json:"due_ns,omitempty"`
}

func newOrder() order {
	return order{OrderID: "12345", UserID: "67890", Type: "payment_reminder", Message: "请及时完成支付", Amount: 299.99}
}

func (o order) payload() []byte {
	b, err := json.Marshal(o)
	if err != nil {
		panic(err)
	}
	return b
}

var (
	orderPayload = newOrder().payload()
	t0           = time.Now()
)

// mono returns nanoseconds since process start on the monotonic clock.
func mono() int64 { return int64(time.Since(t0)) }

type metric struct {
	Name  string
	Value float64
	Unit  string
	Note  string
}

type env struct {
	addr    string
	short   bool
	rdb     *redis.Client
	version string
	// retiring tracks servers and child processes still shutting down; see retire.
	retiring sync.WaitGroup
}

// size picks the full or the -short value.
func (e *env) size(full, short int) int {
	if e.short {
		return short
	}
	return full
}

func main() {
	addr := flag.String("redis", "", "Redis host:port (required)")
	workload := flag.String("workload", "all", "throughput|latency|delay|memory|idle|scale|all")
	short := flag.Bool("short", false, "smaller sizes")
	runs := flag.Int("runs", 1, "repeat each workload N times and report medians")
	child := flag.String("child-consume", "", "internal: run as a consumer child process on this queue")
	flag.Parse()
	log.SetOutput(os.Stderr)
	log.SetFlags(log.Ltime | log.Lmicroseconds)
	if *addr == "" {
		fmt.Fprintln(os.Stderr, "-redis host:port is required")
		os.Exit(2)
	}
	if *child != "" {
		if err := childConsume(*addr, *child); err != nil {
			log.Fatalf("child: %v", err)
		}
		return
	}

	workloads := []struct {
		name string
		fn   func(*env) ([]metric, error)
	}{
		{"throughput", (*env).throughput},
		{"latency", (*env).latency},
		{"delay", (*env).delay},
		{"memory", (*env).memory},
		{"idle", (*env).idle},
		{"scale", (*env).scale},
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

	e := &env{addr: *addr, short: *short, version: libVersion()}
	e.rdb = redis.NewClient(&redis.Options{Addr: *addr})
	defer e.rdb.Close()
	if err := e.rdb.Ping(context.Background()).Err(); err != nil {
		log.Fatalf("redis %s: %v", *addr, err)
	}

	out := json.NewEncoder(os.Stdout)
	out.SetEscapeHTML(false)
	for _, w := range selected {
		var all [][]metric
		for r := 0; r < max(*runs, 1); r++ {
			log.Printf("%s: run %d/%d", w.name, r+1, *runs)
			if r > 0 {
				e.quiesce() // a repeat reuses the queue names of the run before
			}
			if err := e.flush(); err != nil {
				log.Fatal(err)
			}
			ms, err := w.fn(e)
			if err != nil {
				log.Fatalf("%s: %v", w.name, err)
			}
			all = append(all, ms)
		}
		for _, m := range medians(all) {
			_ = out.Encode(line{impl, e.version, w.name, m.Name, round3(m.Value), m.Unit, m.Note})
		}
	}
	e.quiesce()
	_ = e.flush()
}

// line is one output record; field order is the documented one.
type line struct {
	Impl     string  `json:"impl"`
	Version  string  `json:"version"`
	Workload string  `json:"workload"`
	Metric   string  `json:"metric"`
	Value    float64 `json:"value"`
	Unit     string  `json:"unit"`
	Note     string  `json:"note,omitempty"`
}

func libVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "github.com/hibiken/asynq" {
				if d.Replace != nil {
					return d.Replace.Version
				}
				return d.Version
			}
		}
	}
	return "unknown"
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

// medians merges repeated runs: for each metric (in first-seen order) the
// median of the values reported by the runs that produced it.
func medians(runs [][]metric) []metric {
	var order []metric
	vals := map[string][]float64{}
	for _, ms := range runs {
		for _, m := range ms {
			if _, seen := vals[m.Name]; !seen {
				order = append(order, m)
			}
			vals[m.Name] = append(vals[m.Name], m.Value)
		}
	}
	for i := range order {
		v := vals[order[i].Name]
		sort.Float64s(v)
		if n := len(v); n%2 == 1 {
			order[i].Value = v[n/2]
		} else {
			order[i].Value = (v[n/2-1] + v[n/2]) / 2
		}
	}
	return order
}

// ---------------------------------------------------------------- redis helpers

func (e *env) flush() error { return e.rdb.FlushAll(context.Background()).Err() }

// retire shuts a server (or child process) down in the background. An asynq
// server that found its queues empty sleeps up to 1.5 s before it notices the
// shutdown; to keep the -short run short the harness goes on meanwhile. So
// that a retiring server can never take later tasks, every workload step uses
// its own queue names; workloads that read global Redis stats (memory, idle)
// and repeated runs first wait for all retiring servers with quiesce.
func (e *env) retire(stop func()) {
	e.retiring.Add(1)
	go func() {
		defer e.retiring.Done()
		stop()
	}()
}

func (e *env) quiesce() { e.retiring.Wait() }

func (e *env) info(section string) (map[string]string, error) {
	s, err := e.rdb.Info(context.Background(), section).Result()
	if err != nil {
		return nil, err
	}
	kv := map[string]string{}
	for _, line := range strings.Split(s, "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), ":"); ok {
			kv[k] = v
		}
	}
	return kv, nil
}

func (e *env) usedMemory() (int64, error) {
	kv, err := e.info("memory")
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(kv["used_memory"], 10, 64)
}

// commandCalls sums the calls of all commands except INFO and CONFIG, which
// only the measuring connection issues.
func (e *env) commandCalls() (int64, error) {
	kv, err := e.info("commandstats")
	if err != nil {
		return 0, err
	}
	var total int64
	for k, v := range kv {
		name := strings.TrimPrefix(k, "cmdstat_")
		if name == k || name == "info" || name == "config" || strings.HasPrefix(name, "config|") {
			continue
		}
		for _, f := range strings.Split(v, ",") {
			if c, ok := strings.CutPrefix(f, "calls="); ok {
				n, _ := strconv.ParseInt(c, 10, 64)
				total += n
			}
		}
	}
	return total, nil
}

// ---------------------------------------------------------------- asynq helpers

func (e *env) redisOpt() asynq.RedisClientOpt { return asynq.RedisClientOpt{Addr: e.addr} }

func newServer(addr string, queues []string, conc int) *asynq.Server {
	qm := map[string]int{}
	for _, q := range queues {
		qm[q] = 1
	}
	return asynq.NewServer(asynq.RedisClientOpt{Addr: addr}, asynq.Config{
		Concurrency: conc,
		Queues:      qm,
		LogLevel:    asynq.WarnLevel, // logging only; no performance setting is changed
	})
}

// queueNames returns k queue names: prefix itself for k == 1, else prefix-i.
func queueNames(prefix string, k int) []string {
	if k == 1 {
		return []string{prefix}
	}
	qs := make([]string, k)
	for i := range qs {
		qs[i] = fmt.Sprintf("%s-%d", prefix, i)
	}
	return qs
}

// publish enqueues n tasks with `publishers` concurrent goroutines, each
// enqueuing one task at a time; queues are used round-robin.
func (e *env) publish(n int, queues []string) (time.Duration, error) {
	c := asynq.NewClient(e.redisOpt())
	defer c.Close()
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, publishers)
	start := time.Now()
	for range publishers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				t := asynq.NewTask(taskType, orderPayload)
				if _, err := c.Enqueue(t, asynq.Queue(queues[i%len(queues)])); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	select {
	case err := <-errs:
		return 0, err
	default:
		return elapsed, nil
	}
}

// countdown is shared by handlers: done is closed by the n-th hit.
type countdown struct {
	left atomic.Int64
	done chan struct{}
}

func newCountdown(n int) *countdown {
	c := &countdown{done: make(chan struct{})}
	c.left.Store(int64(n))
	return c
}

func (c *countdown) hit() {
	if c.left.Add(-1) == 0 {
		close(c.done)
	}
}

// consume starts a server (total concurrency conc) on queues and returns the
// time from server start until n no-op handler calls have completed.
func (e *env) consume(n int, queues []string, conc int) (time.Duration, error) {
	cd := newCountdown(n)
	srv := newServer(e.addr, queues, conc)
	start := time.Now()
	if err := srv.Start(asynq.HandlerFunc(func(context.Context, *asynq.Task) error {
		cd.hit()
		return nil
	})); err != nil {
		return 0, err
	}
	defer e.retire(srv.Shutdown)
	select {
	case <-cd.done:
		return time.Since(start), nil
	case <-time.After(2 * time.Minute):
		return 0, errors.New("consume timed out")
	}
}

// warmup publishes and consumes a few messages, untimed.
func (e *env) warmup() error {
	q := []string{"warmup"}
	if _, err := e.publish(warmupMsgs, q); err != nil {
		return err
	}
	_, err := e.consume(warmupMsgs, q, concurrency)
	return err
}

func rate(n int, d time.Duration) float64 { return float64(n) / d.Seconds() }

// stampedRun starts a worker on queue q whose handler records, in ms,
// mono()-at-handler-start minus the stamp returned by stampOf, lets it settle,
// then runs publish and waits until n messages arrived or the deadline passed.
func (e *env) stampedRun(q string, n int, settle, deadline time.Duration, stampOf func(order) int64,
	publish func(*asynq.Client) error) ([]float64, error) {
	var mu sync.Mutex
	samples := make([]float64, 0, n)
	cd := newCountdown(n)
	srv := newServer(e.addr, []string{q}, concurrency)
	if err := srv.Start(asynq.HandlerFunc(func(_ context.Context, t *asynq.Task) error {
		now := mono()
		var o order
		if err := json.Unmarshal(t.Payload(), &o); err != nil {
			return err
		}
		mu.Lock()
		samples = append(samples, float64(now-stampOf(o))/1e6)
		mu.Unlock()
		cd.hit()
		return nil
	})); err != nil {
		return nil, err
	}
	defer e.retire(srv.Shutdown)
	time.Sleep(settle)

	c := asynq.NewClient(e.redisOpt())
	defer c.Close()
	start := time.Now()
	if err := publish(c); err != nil {
		return nil, err
	}
	select {
	case <-cd.done:
	case <-time.After(deadline - time.Since(start)):
		log.Printf("deadline reached: %d/%d messages arrived", n-int(cd.left.Load()), n)
	}
	mu.Lock()
	defer mu.Unlock()
	return append([]float64(nil), samples...), nil
}

// percentiles returns p50, p99 and max (nearest rank) of a non-empty slice.
func percentiles(v []float64) (p50, p99, mx float64) {
	sort.Float64s(v)
	rank := func(p float64) float64 { return v[max(int(math.Ceil(p*float64(len(v))))-1, 0)] }
	return rank(0.50), rank(0.99), v[len(v)-1]
}

func pctMetrics(prefix string, v []float64, note string) []metric {
	if len(v) == 0 {
		return nil
	}
	p50, p99, mx := percentiles(v)
	return []metric{
		{prefix + "_p50_ms", p50, "ms", note},
		{prefix + "_p99_ms", p99, "ms", note},
		{prefix + "_max_ms", mx, "ms", note},
	}
}

// ---------------------------------------------------------------- workloads

func (e *env) throughput() ([]metric, error) {
	n := e.size(50000, 10000)
	q := []string{benchQueue}
	if err := e.warmup(); err != nil {
		return nil, err
	}
	single, err := e.publish(n, q)
	if err != nil {
		return nil, err
	}
	if err := e.flush(); err != nil {
		return nil, err
	}
	batch, err := e.publish(n, q)
	if err != nil {
		return nil, err
	}
	if err := e.flush(); err != nil {
		return nil, err
	}
	if _, err := e.publish(n, q); err != nil { // backlog, untimed
		return nil, err
	}
	cons, err := e.consume(n, q, concurrency)
	if err != nil {
		return nil, err
	}
	return []metric{
		{"publish_single_msgs_per_s", rate(n, single), "msg/s", ""},
		{"publish_batch_msgs_per_s", rate(n, batch), "msg/s", "no batch API: 8 concurrent single enqueuers"},
		{"consume_msgs_per_s", rate(n, cons), "msg/s", ""},
	}, nil
}

func (e *env) latency() ([]metric, error) {
	n := e.size(1000, 300)
	const every = 5 * time.Millisecond
	samples, err := e.stampedRun("latency", n, time.Second, 30*time.Second, func(o order) int64 { return o.SentNs },
		func(c *asynq.Client) error {
			start := time.Now()
			for i := range n {
				time.Sleep(time.Until(start.Add(time.Duration(i) * every)))
				o := newOrder()
				o.SentNs = mono()
				if _, err := c.Enqueue(asynq.NewTask(taskType, o.payload()), asynq.Queue("latency")); err != nil {
					return err
				}
			}
			return nil
		})
	if err != nil {
		return nil, err
	}
	return pctMetrics("pickup", samples, "default server config, Concurrency=50"), nil
}

func (e *env) delay() ([]metric, error) {
	n := e.size(400, 200)
	samples, err := e.stampedRun("delay", n, 0, 30*time.Second, func(o order) int64 { return o.DueNs },
		func(c *asynq.Client) error {
			for range n {
				d := time.Second + rand.N(2*time.Second)
				now := time.Now()
				o := newOrder()
				o.DueNs = int64(now.Sub(t0) + d)
				if _, err := c.Enqueue(asynq.NewTask(taskType, o.payload()),
					asynq.Queue("delay"), asynq.ProcessAt(now.Add(d))); err != nil {
					return err
				}
			}
			return nil
		})
	if err != nil {
		return nil, err
	}
	ms := pctMetrics("delay_late", samples, "ProcessAt, default server config, Concurrency=50")
	if len(samples) < n {
		ms = append(ms, metric{"delay_received", float64(len(samples)), "msgs", fmt.Sprintf("of %d within 30 s", n)})
	}
	return ms, nil
}

func (e *env) memory() ([]metric, error) {
	n := e.size(50000, 10000)
	e.quiesce()
	if err := e.flush(); err != nil {
		return nil, err
	}
	before, err := e.usedMemory()
	if err != nil {
		return nil, err
	}
	if _, err := e.publish(n, []string{"memory"}); err != nil {
		return nil, err
	}
	after, err := e.usedMemory()
	if err != nil {
		return nil, err
	}
	return []metric{{"bytes_per_msg", float64(after-before) / float64(n), "B", ""}}, nil
}

func (e *env) idle() ([]metric, error) {
	window := time.Duration(e.size(10, 5)) * time.Second
	e.quiesce()
	srv := newServer(e.addr, queueNames("idle", 5), concurrency)
	if err := srv.Start(asynq.HandlerFunc(func(context.Context, *asynq.Task) error { return nil })); err != nil {
		return nil, err
	}
	defer e.retire(srv.Shutdown)
	time.Sleep(3 * time.Second)
	if err := e.rdb.ConfigResetStat(context.Background()).Err(); err != nil {
		return nil, err
	}
	start := time.Now()
	time.Sleep(window)
	calls, err := e.commandCalls()
	if err != nil {
		return nil, err
	}
	return []metric{{"idle_cmds_per_s", float64(calls) / time.Since(start).Seconds(), "cmd/s",
		"one server, 5 queues, Concurrency=50"}}, nil
}

func (e *env) scale() ([]metric, error) {
	n := e.size(50000, 10000)
	if err := e.warmup(); err != nil {
		return nil, err
	}
	var ms []metric
	for _, k := range []int{1, 10, 100} {
		qs := queueNames(fmt.Sprintf("topics%d", k), k)
		if _, err := e.publish(n, qs); err != nil {
			return nil, err
		}
		d, err := e.consume(n, qs, concurrency)
		if err != nil {
			return nil, err
		}
		ms = append(ms, metric{fmt.Sprintf("scale_topics_%d_msgs_per_s", k), rate(n, d), "msg/s",
			fmt.Sprintf("one server, Queues map of %d, Concurrency=50", k)})
	}
	for _, p := range []int{1, 2, 4} {
		q := fmt.Sprintf("procs%d", p)
		if _, err := e.publish(n, []string{q}); err != nil {
			return nil, err
		}
		d, err := e.consumeChildren(n, p, q)
		if err != nil {
			return nil, err
		}
		ms = append(ms, metric{fmt.Sprintf("scale_procs_%d_msgs_per_s", p), rate(n, d), "msg/s",
			"child processes, Concurrency=50 each"})
	}
	return ms, nil
}

// ---------------------------------------------------------------- child processes

// consumeChildren spawns p consumer processes on queue q, waits until each is
// ready, tells them to start and polls the queue's processed counter until n
// tasks are done. The children are stopped by closing their stdin.
func (e *env) consumeChildren(n, p int, q string) (time.Duration, error) {
	self, err := os.Executable()
	if err != nil {
		return 0, err
	}
	type child struct {
		cmd   *exec.Cmd
		stdin io.WriteCloser
	}
	var kids []child
	defer func() {
		for _, k := range kids {
			k.stdin.Close()
			e.retire(func() {
				if err := k.cmd.Wait(); err != nil {
					log.Printf("child: %v", err)
				}
			})
		}
	}()
	for range p {
		cmd := exec.Command(self, "-child-consume", q, "-redis", e.addr)
		cmd.Stderr = os.Stderr
		stdin, err := cmd.StdinPipe()
		if err != nil {
			return 0, err
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			return 0, err
		}
		if err := cmd.Start(); err != nil {
			return 0, err
		}
		kids = append(kids, child{cmd, stdin})
		if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || line != "ready\n" {
			return 0, fmt.Errorf("child did not get ready: %q %v", line, err)
		}
	}
	ctx := context.Background()
	key := "asynq:{" + q + "}:processed"
	start := time.Now()
	for _, k := range kids {
		if _, err := io.WriteString(k.stdin, "go\n"); err != nil {
			return 0, err
		}
	}
	for {
		done, err := e.rdb.Get(ctx, key).Int()
		if err != nil && !errors.Is(err, redis.Nil) {
			return 0, err
		}
		if done >= n {
			return time.Since(start), nil
		}
		if time.Since(start) > 2*time.Minute {
			return 0, fmt.Errorf("children processed %d/%d", done, n)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// childConsume is the body of a consumer child process: "ready" on stdout,
// start on a line from stdin, shut down when stdin closes.
func childConsume(addr, queue string) error {
	srv := newServer(addr, []string{queue}, concurrency)
	in := bufio.NewReader(os.Stdin)
	fmt.Println("ready")
	if _, err := in.ReadString('\n'); err != nil {
		return err
	}
	if err := srv.Start(asynq.HandlerFunc(func(context.Context, *asynq.Task) error { return nil })); err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, in) // until the parent closes stdin
	srv.Shutdown()
	return nil
}

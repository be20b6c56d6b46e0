package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	json "github.com/goccy/go-json"

	"goweb/bench/internal/result"
)

// dispatchTopic is the routed topic of the dispatch workload.
const dispatchTopic = "dispatch"

// sink is the keep-alive receiver of the dispatch workload: it answers 200
// at once, counts requests and, for stamped bodies, records the time from
// publish to request received.
type sink struct {
	n           atomic.Int64
	first, last atomic.Int64 // mono() of the first and the latest request
	mu          sync.Mutex
	latencies   []float64
}

func (s *sink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := mono()
	body, _ := io.ReadAll(r.Body)
	if s.n.Add(1) == 1 {
		s.first.Store(now)
	}
	s.last.Store(now)
	if bytes.Contains(body, []byte(`"sent_ns"`)) {
		var v struct {
			SentNs int64 `json:"sent_ns"`
		}
		if json.Unmarshal(body, &v) == nil && v.SentNs > 0 {
			s.mu.Lock()
			s.latencies = append(s.latencies, float64(now-v.SentNs)/1e6)
			s.mu.Unlock()
		}
	}
}

func (s *sink) reset() {
	s.n.Store(0)
	s.mu.Lock()
	s.latencies = nil
	s.mu.Unlock()
}

// dispatch measures the service delivering a backlog to the sink next to
// the physical limit (a plain Go HTTP client loop, same concurrency, same
// receiver), then the latency it adds at a trickle. The backlog is
// published while the topic is paused, so that publishing shares no CPU
// with the deliveries, as the throughput workload consumes a backlog
// published before it. The limit is measured before and after the backlog
// and the faster is kept: on a shared machine, a burst of other work
// during one of them must not flatter the ratio.
func (e *env) dispatch() ([]result.Metric, error) {
	n := e.size(50000, 10000)
	recv := &sink{}
	srv := httptest.NewServer(recv)
	defer srv.Close()
	url := srv.URL + "/hook"
	body, err := json.Marshal(order())
	if err != nil {
		return nil, err
	}
	limit, loopCPU, err := meteredClientLoop(url, body, n, "before")
	if err != nil {
		return nil, err
	}

	svc, err := e.startService(url)
	if err != nil {
		return nil, err
	}
	defer svc.stop()
	m, err := e.manager()
	if err != nil {
		return nil, err
	}
	defer m.Close()
	q, insp := m.GetQueue(), m.Inspector()

	ctx := context.Background()
	if err := insp.Pause(ctx, dispatchTopic); err != nil {
		return nil, err
	}
	if _, err := publishBatch(q, n, []string{dispatchTopic}); err != nil {
		return nil, err
	}
	recv.reset()
	cpu := e.cpuMeter()
	svcCPU := svc.cpu()
	if err := e.rdb.ConfigResetStat(ctx).Err(); err != nil {
		return nil, err
	}
	if err := insp.Resume(ctx, dispatchTopic); err != nil {
		return nil, err
	}
	if err := waitFor(5*time.Minute, func() bool { return recv.n.Load() >= int64(n) }); err != nil {
		return nil, fmt.Errorf("backlog: %d/%d delivered: %w", recv.n.Load(), n, err)
	}
	took := time.Duration(recv.last.Load() - recv.first.Load())
	cpu.report(fmt.Sprintf("dispatch %d msgs (gwbench is the receiver)", n), n)
	svcCPU = svc.cpu() - svcCPU
	recvCPU, redisCPU := cpu.used()
	calls, perCmd, _ := e.commandCalls()
	log.Printf("dispatch: service CPU per message %.2f µs, Redis commands per message %.3f (%s)",
		perMsg(svcCPU, n), float64(calls)/float64(n), describeCalls(perCmd, float64(n)))
	delivered := float64(n-1) / took.Seconds()
	after, afterCPU, err := meteredClientLoop(url, body, n, "after")
	if err != nil {
		return nil, err
	}
	limit = min(limit, after)
	// What the ratio would be were both CPU-bound on a machine of their
	// own: the client loop's CPU per request over the CPU of a delivery
	// in all three processes. Other work on the machine moves it far less
	// than the rates.
	log.Printf("dispatch: CPU per delivery %.2f µs (service + receiver + redis-server), client loop %.2f µs: CPU ratio %.2f",
		perMsg(svcCPU+recvCPU+redisCPU, n), perMsg(min(loopCPU, afterCPU), n),
		float64(min(loopCPU, afterCPU))/float64(svcCPU+recvCPU+redisCPU))

	recv.reset()
	sent := e.size(1000, 300)
	if err := trickle(sent, 5*time.Millisecond, func(o map[string]interface{}) error {
		return q.Publish(ctx, dispatchTopic, o)
	}); err != nil {
		return nil, err
	}
	if err := waitFor(30*time.Second, func() bool { return recv.n.Load() >= int64(sent) }); err != nil {
		return nil, fmt.Errorf("trickle: %d/%d delivered: %w", recv.n.Load(), sent, err)
	}
	recv.mu.Lock()
	lat := append([]float64(nil), recv.latencies...)
	recv.mu.Unlock()

	note := fmt.Sprintf("one service process, WORKER_TOPIC_OPTIONS_DISPATCH_CONCURRENCY=%d, keep-alive receiver answering 200, backlog published before", concurrency)
	ms := []result.Metric{
		{Name: "dispatch_msgs_per_s", Value: delivered, Unit: "msg/s", Note: note},
		{Name: "dispatch_limit_msgs_per_s", Value: rate(n, limit), Unit: "req/s",
			Note: fmt.Sprintf("plain Go HTTP client loop, %d goroutines, same receiver; the faster of one run before and one after the backlog", concurrency)},
	}
	return append(ms, pctMetrics("dispatch_added", lat, "publish to request received, one message every 5 ms")...), nil
}

func perMsg(d time.Duration, n int) float64 { return float64(d.Microseconds()) / float64(n) }

// meteredClientLoop runs clientLoop and logs its rate and CPU per request;
// when says which of the two runs it is.
func meteredClientLoop(url string, body []byte, n int, when string) (took, cpu time.Duration, err error) {
	cpu = selfCPU()
	if took, err = clientLoop(url, body, n, concurrency); err != nil {
		return 0, 0, err
	}
	cpu = selfCPU() - cpu
	log.Printf("dispatch: plain client loop, conc %d: %.0f req/s (%s), CPU per request %.2f µs", concurrency, rate(n, took), when, perMsg(cpu, n))
	return took, cpu, nil
}

// clientLoop POSTs body to url n times from conc goroutines over one
// keep-alive client: what the machine can do without a queue.
func clientLoop(url string, body []byte, n, conc int) (time.Duration, error) {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = conc
	client := &http.Client{Transport: t}
	defer client.CloseIdleConnections()
	var next atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Value
	start := time.Now()
	for range conc {
		wg.Go(func() {
			for next.Add(1) <= int64(n) {
				req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				res, err := client.Do(req)
				if err != nil {
					failed.Store(err)
					return
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
			}
		})
	}
	wg.Wait()
	if err, ok := failed.Load().(error); ok {
		return 0, err
	}
	return time.Since(start), nil
}

// service is a gateway-worker process.
type service struct{ cmd *exec.Cmd }

// serviceBinary is the gateway-worker binary the dispatch workload runs:
// -service, or one built from this tree at the first call.
func (e *env) serviceBinary() (string, error) {
	if e.serviceBin != "" {
		return e.serviceBin, nil
	}
	dir, err := os.MkdirTemp("", "gwbench-service-*")
	if err != nil {
		return "", err
	}
	e.cleanups = append(e.cleanups, func() { os.RemoveAll(dir) })
	bin := filepath.Join(dir, "gateway-worker")
	build := exec.Command("go", "build", "-o", bin, "goweb/services/gateway-worker/cmd/server")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		return "", fmt.Errorf("build the service: %w", err)
	}
	e.serviceBin = bin
	return bin, nil
}

// startService starts the service with one route, dispatch -> url, and
// waits until it is ready.
func (e *env) startService(url string) (*service, error) {
	bin, err := e.serviceBinary()
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	host, rport, _ := net.SplitHostPort(e.addr)
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "CONFIG_FILE=", "LOG_LEVEL=warn", "APP_PORT="+port,
		"REDIS_HOST="+host, "REDIS_PORT="+rport,
		"WORKER_TOPICS="+dispatchTopic, "DISPATCH_ROUTES="+dispatchTopic+"="+url,
		"WORKER_TOPIC_OPTIONS_DISPATCH_CONCURRENCY="+strconv.Itoa(concurrency))
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &service{cmd: cmd}
	ready := func() bool {
		res, err := http.Get("http://127.0.0.1:" + port + "/ready")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusOK
	}
	if err := waitFor(30*time.Second, ready); err != nil {
		s.stop()
		return nil, fmt.Errorf("service not ready: %w", err)
	}
	return s, nil
}

// cpu is the CPU time the process used so far (user and system).
func (s *service) cpu() time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	// The fields after the command name, which is in parentheses:
	// utime and stime are the 12th and 13th, in clock ticks (100 a second).
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+st) * 10 * time.Millisecond
}

func (s *service) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	if err := s.cmd.Wait(); err != nil && !strings.Contains(err.Error(), "signal") {
		log.Printf("service: %v", err)
	}
}

var errTimedOut = errors.New("timed out")

// waitFor polls cond every millisecond until it holds or d passes.
func waitFor(d time.Duration, cond func() bool) error {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			return errTimedOut
		}
		time.Sleep(time.Millisecond)
	}
	return nil
}

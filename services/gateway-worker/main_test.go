// The tests in this directory run the built binaries (server and the seed's
// demo) as an operator would, and check the deployment files.
package gatewayworker_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"goweb/pkg/redis/redistest"
	"goweb/services/gateway-worker/internal/servicetest"
)

func TestMain(m *testing.M) {
	servicetest.Main(m, func() { _ = os.RemoveAll(binDir) })
}

// repoRoot is the module root: the tests run in services/gateway-worker.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// Binaries are built once per test run: linking takes seconds.
var (
	binDir   string
	binMu    sync.Mutex
	binBuilt = map[string]string{}
)

// build compiles the main package pkg (relative to the module root) and
// returns the binary's path.
func build(t *testing.T, pkg string) string {
	t.Helper()
	binMu.Lock()
	defer binMu.Unlock()
	if bin, ok := binBuilt[pkg]; ok {
		return bin
	}
	if binDir == "" {
		dir, err := os.MkdirTemp("", "gateway-worker-e2e-*")
		if err != nil {
			t.Fatal(err)
		}
		binDir = dir
	}
	bin := filepath.Join(binDir, filepath.Base(pkg))
	cmd := redistest.GoBuild("-o", bin, pkg)
	cmd.Dir = repoRoot(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, out)
	}
	binBuilt[pkg] = bin
	return bin
}

// proc is a running binary.
type proc struct {
	cmd    *exec.Cmd
	out    *servicetest.Buffer
	done   chan struct{}
	port   int
	client *http.Client
}

// start runs bin with env (and baseEnv only: nothing else leaks in from the
// test's environment) in an empty directory, so no config.yaml is picked
// up.
func start(t *testing.T, bin string, env ...string) *proc {
	t.Helper()
	return startArgs(t, bin, nil, env...)
}

// startArgs is start with command line arguments.
func startArgs(t *testing.T, bin string, args []string, env ...string) *proc {
	t.Helper()
	p := &proc{out: &servicetest.Buffer{}, done: make(chan struct{}),
		client: &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}}
	port, err := redistest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	p.port = port
	p.cmd = exec.Command(bin, args...)
	p.cmd.Dir = t.TempDir()
	p.cmd.Env = append(append(baseEnv(), "APP_PORT="+strconv.Itoa(port)), env...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("output of %s:\n%s", filepath.Base(bin), p.out)
		}
	})
	return p
}

// baseEnv is the environment the binaries run with besides their
// settings: PATH, and GORACE when the test run sets it, so that a binary
// built with -race exits as the test binary does (with
// GORACE=atexit_sleep_ms=0 it does not sleep its default second before
// every exit).
func baseEnv() []string {
	env := []string{"PATH=" + os.Getenv("PATH")}
	if v, ok := os.LookupEnv("GORACE"); ok {
		env = append(env, "GORACE="+v)
	}
	return env
}

// startServer starts the worker and waits until /healthz answers.
func startServer(t *testing.T, bin string, env ...string) *proc {
	t.Helper()
	p := start(t, bin, env...)
	p.waitHealthy(t)
	return p
}

// waitHealthy waits until /healthz answers.
func (p *proc) waitHealthy(t *testing.T) {
	t.Helper()
	servicetest.Eventually(t, 20*time.Second, "/healthz", func() bool {
		code, _, _ := p.get("/healthz", "")
		return code == 200
	})
}

// waitReady waits until /ready answers 200: Redis reached and every
// consumer running.
func (p *proc) waitReady(t *testing.T) {
	t.Helper()
	servicetest.Eventually(t, 20*time.Second, "/ready", func() bool {
		code, _, _ := p.get("/ready", "")
		return code == http.StatusOK
	})
}

func (p *proc) get(path, accept string) (int, http.Header, string) {
	req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("http://127.0.0.1:%d%s", p.port, path), nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return 0, nil, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func (p *proc) getJSON(t *testing.T, path string, v any) int {
	t.Helper()
	code, _, body := p.get(path, "")
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("%s: %d %q: %v", path, code, body, err)
	}
	return code
}

// stop sends SIGTERM and returns the exit code.
func (p *proc) stop(t *testing.T) int {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
	case <-time.After(40 * time.Second):
		t.Fatal("no exit within 40s of SIGTERM")
	}
	return p.cmd.ProcessState.ExitCode()
}

// wait waits for the process to exit by itself and returns its exit code.
func (p *proc) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		t.Fatal("process did not exit")
	}
	return p.cmd.ProcessState.ExitCode()
}

// redisEnv points a process at the server at addr.
func redisEnv(addr string) []string {
	host, port, _ := strings.Cut(addr, ":")
	return []string{"REDIS_HOST=" + host, "REDIS_PORT=" + port}
}

package gatewayworker_test

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"goweb/pkg/redis"
	"goweb/pkg/redis/redistest"
	"goweb/services/gateway-worker/internal/servicetest"
)

// run runs the binary with args and env (baseEnv only besides) in dir and
// returns its exit status, stdout and stderr.
func run(t *testing.T, bin, dir string, env []string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(baseEnv(), env...)
	var stdout, stderr servicetest.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return exit.ExitCode(), stdout.String(), stderr.String()
	case err != nil:
		t.Fatal(err)
	}
	return 0, stdout.String(), stderr.String()
}

// The operator commands read the server's settings, from the environment
// or from the YAML file of CONFIG_FILE, and need no server.
func TestCLIReadsServerSettings(t *testing.T) {
	t.Parallel()
	bin := build(t, "./services/gateway-worker/cmd/server")
	topic := redistest.Topic(t)
	env := []string{"REDIS_HOST=127.0.0.1", "REDIS_PORT=" + strconv.Itoa(servicetest.Redis.Port)}
	code, id, stderr := run(t, bin, t.TempDir(), env, "publish", topic, `{"order_id":"12345"}`)
	if code != 0 || !redis.ValidID(strings.TrimSpace(id)) {
		t.Fatalf("publish: exit %d, stdout %q, stderr %q", code, id, stderr)
	}

	dir := t.TempDir()
	yaml := "redis:\n  host: 127.0.0.1\n  port: " + strconv.Itoa(servicetest.Redis.Port) + "\n"
	if err := os.WriteFile(filepath.Join(dir, "worker.yaml"), []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := run(t, bin, dir, []string{"CONFIG_FILE=worker.yaml"}, "stats", topic, "--json")
	var s redis.TopicStats
	if code != 0 || json.Unmarshal([]byte(out), &s) != nil || s.Pending != 1 {
		t.Fatalf("stats with CONFIG_FILE: exit %d, stdout %q, stderr %q", code, out, stderr)
	}

	code, out, stderr = run(t, bin, dir, []string{"CONFIG_FILE=worker.yaml"}, "publish", topic, `{"order_id":`)
	if code != 2 || out != "" || !strings.Contains(stderr, "JSON: invalid JSON: truncated") {
		t.Errorf("bad JSON: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
}

// healthcheck exits 0 while the worker on APP_PORT answers /healthz, else
// 1; "serve" runs the same worker as no arguments.
func TestHealthcheckCommand(t *testing.T) {
	t.Parallel()
	bin := build(t, "./services/gateway-worker/cmd/server")
	port, err := redistest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	appPort := "APP_PORT=" + strconv.Itoa(port)
	if code, _, stderr := run(t, bin, t.TempDir(), []string{appPort}, "healthcheck"); code != 1 || !strings.Contains(stderr, "health check failed") {
		t.Errorf("no server: exit %d, stderr %q", code, stderr)
	}
	p := startArgs(t, bin, []string{"serve"}, "REDIS_HOST=127.0.0.1", "REDIS_PORT="+strconv.Itoa(servicetest.Redis.Port))
	p.waitHealthy(t)
	if code, _, stderr := run(t, bin, t.TempDir(), []string{"APP_PORT=" + strconv.Itoa(p.port)}, "healthcheck"); code != 0 {
		t.Errorf("server running: exit %d, stderr %q", code, stderr)
	}
	if code := p.stop(t); code != 0 {
		t.Errorf("exit %d after SIGTERM", code)
	}
}

package gatewayworker_test

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"goweb/pkg/redis/redistest"
	"goweb/services/gateway-worker/internal/servicetest"
)

// seedOverlay returns a go build -overlay file that places the seed's
// programs of examples/seed at their paths in the repository, as the
// seed's readers place them, without copying them there.
func seedOverlay(t *testing.T) string {
	t.Helper()
	root := repoRoot(t)
	seed := filepath.Join(root, "examples", "seed")
	replace := map[string]string{}
	err := filepath.WalkDir(seed, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
			return err
		}
		rel, _ := filepath.Rel(seed, path)
		replace[filepath.Join(root, rel)] = path
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(replace) != 5 {
		t.Fatalf("examples/seed has %d Go files, want 5: %v", len(replace), replace)
	}
	for placed := range replace {
		if _, err := os.Stat(placed); err == nil {
			t.Fatalf("%s exists in the repository: the seed's programs belong in examples/seed", placed)
		}
	}
	raw, _ := json.Marshal(map[string]any{"Replace": replace})
	file := filepath.Join(t.TempDir(), "overlay.json")
	if err := os.WriteFile(file, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// The seed's sections 3 (sender), 4, 5 and 7 (the service) and 9 (the
// demo) build unchanged where the seed places them; the demo consumes an
// email.send message.
func TestSeedExamples(t *testing.T) {
	t.Parallel()
	overlay := seedOverlay(t)
	// One go build: with -o naming a directory it writes the two programs
	// there and only compiles internal/service.
	dir := t.TempDir()
	bin := filepath.Join(dir, "demo")
	args := []string{"-overlay", overlay, "-o", dir + string(filepath.Separator),
		"./services/gateway-worker/cmd/sender", "./services/gateway-worker/cmd/demo", "./services/gateway-worker/internal/service"}
	cmd := redistest.GoBuild(args...)
	cmd.Dir = repoRoot(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %v: %v\n%s", args, err, out)
	}

	p := start(t, bin, redisEnv(servicetest.Redis.Addr)...)
	servicetest.Eventually(t, 20*time.Second, "the demo to start", func() bool {
		return strings.Contains(p.out.String(), "Gateway Worker 启动成功")
	})
	m := servicetest.Manager(t, servicetest.Redis.Addr)
	ctx := context.Background()
	err := m.GetQueue().Publish(ctx, "email.send", map[string]interface{}{
		"to": "user@example.com", "subject": "Welcome", "content": "Hello",
	})
	if err != nil {
		t.Fatal(err)
	}
	servicetest.Eventually(t, 20*time.Second, "email.send consumed", func() bool {
		s, err := m.Inspector().Stats(ctx, "email.send")
		return err == nil && s.Processed == 1 && s.Pending == 0 && s.InFlight == 0
	})
	if !strings.Contains(p.out.String(), "user@example.com") {
		t.Error("the demo did not log the email")
	}
}

// The service depends on no example.
func TestServiceUsesNoExample(t *testing.T) {
	t.Parallel()
	cmd := exec.Command("go", "list", "-deps", "./services/gateway-worker/...")
	cmd.Dir = repoRoot(t)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.Contains(pkg, "examples") || strings.HasSuffix(pkg, "/internal/service") || strings.HasSuffix(pkg, "/cmd/demo") {
			t.Errorf("the service builds %s", pkg)
		}
	}
}

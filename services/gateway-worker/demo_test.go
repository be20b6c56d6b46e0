package gatewayworker_test

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"goweb/services/gateway-worker/internal/servicetest"
)

// Every seed example builds: the sender (section 3), the service (4, 5, 7)
// and the demo (9).
func TestSeedExamplesBuild(t *testing.T) {
	t.Parallel()
	cmd := exec.Command("go", "build", "./services/gateway-worker/...")
	cmd.Dir = repoRoot(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
}

// The seed's section 9 program consumes an email.send message.
func TestDemo(t *testing.T) {
	t.Parallel()
	bin := build(t, "./services/gateway-worker/cmd/demo")
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

package app

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"goweb/pkg/redis/redistest"
	"goweb/services/gateway-worker/internal/admin"
)

// docs/service.md says a request to the admin API gets an answer within its
// 5 s even while Redis is frozen (SIGSTOP): a 504 saying the outcome is
// unknown. The read timeout here is longer than that, so only the request's
// own deadline can bound the publish (issue 10: it took twice the read
// timeout).
func TestPublishDuringFreeze(t *testing.T) {
	t.Parallel()
	srv, err := redistest.StartServer(redistest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	const readTimeout = 20 * time.Second
	_, appPort := splitHostPort(freeAddr(t))
	a, _ := newApp(t, map[string]any{"redis.host": "127.0.0.1", "redis.port": srv.Port, "app.port": appPort,
		"admin.token": "tok", "redis.read_timeout": readTimeout})
	srv.Pause()
	defer srv.Resume()
	req, err := http.NewRequest(http.MethodPost, "http://"+a.Addr()+"/v1/topics/system.cleanup/messages", strings.NewReader(`{"data":{}}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer tok")
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	took := time.Since(start)
	t.Logf("%d after %v", resp.StatusCode, took)
	if resp.StatusCode != http.StatusGatewayTimeout || took < admin.DefaultTimeout || took > admin.DefaultTimeout+2*time.Second {
		t.Errorf("status %d after %v, want 504 after %v (docs/service.md)", resp.StatusCode, took, admin.DefaultTimeout)
	}
}

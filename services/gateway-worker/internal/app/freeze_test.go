package app

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"goweb/pkg/redis/redistest"
)

// docs/service.md says how long a publish takes to fail while Redis is
// frozen (SIGSTOP): at most twice REDIS_READ_TIMEOUT, one wait to register
// the topic and one for the push, neither bounded by the request's own 5 s
// (the queue's publish path waits on the client's timeouts). Measured here
// with a 1 s read timeout: about 2.0 s.
func TestPublishDuringFreeze(t *testing.T) {
	t.Parallel()
	srv, err := redistest.StartServer(redistest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	const readTimeout = time.Second
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
	if resp.StatusCode != http.StatusGatewayTimeout || took < readTimeout || took > 2*readTimeout+time.Second {
		t.Errorf("status %d after %v, want 504 after %v..%v (docs/service.md)", resp.StatusCode, took, readTimeout, 2*readTimeout)
	}
}

package gatewayworker_test

import (
	"strings"
	"testing"
	"time"

	"goweb/pkg/redis/redistest"
	"goweb/services/gateway-worker/internal/servicetest"
)

// The Redis password never shows in the service's logs, /ready or /metrics,
// whether it is right (the worker runs) or wrong (it cannot), and whether it
// comes in REDIS_PASSWORD or inside REDIS_URL.
func TestSecretsStayHidden(t *testing.T) {
	t.Parallel()
	const secret = "s3cret-Pa55-word"
	srv := redistest.Start(t, "--requirepass", secret)
	bin := build(t, "./services/gateway-worker/cmd/server")
	host, port, _ := strings.Cut(srv.Addr, ":")
	for name, env := range map[string][]string{
		"right password":  {"REDIS_HOST=" + host, "REDIS_PORT=" + port, "REDIS_PASSWORD=" + secret},
		"wrong password":  {"REDIS_HOST=" + host, "REDIS_PORT=" + port, "REDIS_PASSWORD=" + secret + "-wrong"},
		"password in URL": {"REDIS_URL=redis://:" + secret + "@" + srv.Addr + "/0"},
		"wrong in URL":    {"REDIS_URL=redis://default:" + secret + "x@" + srv.Addr + "/0"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := startServer(t, bin, env...)
			wantReady := !strings.Contains(name, "wrong")
			servicetest.Eventually(t, 15*time.Second, "/ready to settle", func() bool {
				code, _, _ := p.get("/ready", "")
				return (code == 200) == wantReady
			})
			var bodies []string
			for _, req := range []struct{ path, accept string }{
				{"/ready", ""}, {"/metrics", ""}, {"/metrics", "text/plain"}, {"/metrics?format=prometheus", ""}, {"/healthz", ""},
			} {
				_, _, body := p.get(req.path, req.accept)
				bodies = append(bodies, body)
			}
			p.stop(t)
			for _, b := range append(bodies, p.out.String()) {
				if strings.Contains(b, secret) {
					t.Fatalf("the password leaked:\n%s", b)
				}
			}
			if !strings.Contains(p.out.String(), "starting gateway-worker") {
				t.Errorf("no startup line in the output:\n%s", p.out)
			}
		})
	}
}

package app

import (
	"fmt"
	"net"
	"net/http"
	"time"

	"goweb/services/gateway-worker/internal/httpapi"
	"goweb/services/gateway-worker/internal/settings"
)

// server is one HTTP listener and what it serves.
type server struct {
	http     *http.Server
	listener net.Listener
}

func (s *server) addr() string { return s.listener.Addr().String() }
func (s *server) serve() error { return s.http.Serve(s.listener) }

// listen opens the public listener (APP_HOST:APP_PORT) and, with
// ADMIN_PORT, the admin one (ADMIN_HOST:ADMIN_PORT). With an admin
// listener, the admin API and the dashboard (deps.Handlers) are served
// there only, so they can stay on an internal interface; /metrics is
// served on both.
func listen(s *settings.Settings, deps httpapi.Deps) ([]*server, error) {
	adminAddr := s.AdminAddr()
	public := deps
	if adminAddr != "" {
		// The API answers JSON, a request sent to the wrong port included.
		public.Handlers = map[string]http.Handler{"/v1/": httpapi.NotFound("the admin API is served on ADMIN_PORT only")}
	}
	pub, err := open(s.Addr(), "APP_HOST, APP_PORT", httpapi.NewHandler(public))
	if err != nil || adminAddr == "" {
		return []*server{pub}, err
	}
	mux := http.NewServeMux()
	for pattern, h := range deps.Handlers {
		mux.Handle(pattern, h)
	}
	// The dashboard reads the routes' breaker states from the JSON
	// /metrics, relative to itself: the admin listener answers it too.
	mux.Handle("GET /metrics", pub.http.Handler)
	adm, err := open(adminAddr, "ADMIN_HOST, ADMIN_PORT", mux)
	if err != nil {
		_ = pub.listener.Close()
		return nil, err
	}
	return []*server{pub, adm}, nil
}

func open(addr, vars string, h http.Handler) (*server, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("http: listen on %s (%s): %w", addr, vars, err)
	}
	return &server{http: &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}, listener: l}, nil
}

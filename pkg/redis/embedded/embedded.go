// Package embedded runs an in-process, Redis-compatible server (miniredis)
// for running the gateway worker on a laptop without installing Redis.
//
//	srv, err := embedded.Start("127.0.0.1:6379")
//	if err != nil {
//		return err
//	}
//	defer srv.Close()
//	cfg := config.RedisConfig{Host: srv.Host(), Port: srv.Port()}
//
// It keeps everything in memory, serves one process's clients only as well
// as its speed allows, and loses all messages when the process exits: fine
// for development and demos, never for production.
package embedded

import (
	"fmt"
	"strconv"

	"github.com/alicebob/miniredis/v2"
)

// Server is a running embedded Redis-compatible server.
type Server struct {
	m *miniredis.Miniredis
}

// Start listens on addr ("127.0.0.1:6379", or "127.0.0.1:0" for any free
// port) and serves until Close.
func Start(addr string) (*Server, error) {
	m := miniredis.NewMiniRedis()
	// Key TTLs follow the wall clock, as in Redis; by default miniredis only
	// expires keys when a test fast-forwards it.
	m.ClockTTL(true)
	if err := m.StartAddr(addr); err != nil {
		return nil, fmt.Errorf("embedded redis: listen on %s: %w", addr, err)
	}
	return &Server{m: m}, nil
}

// Addr returns the host:port the server listens on.
func (s *Server) Addr() string { return s.m.Addr() }

// Host returns the host part of Addr.
func (s *Server) Host() string { return s.m.Host() }

// Port returns the port part of Addr.
func (s *Server) Port() int {
	n, _ := strconv.Atoi(s.m.Port())
	return n
}

// Close stops the server and drops its data. It is safe to call more than
// once.
func (s *Server) Close() { s.m.Close() }

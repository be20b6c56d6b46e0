// Package servicetest holds what the gateway worker's test packages share:
// a TestMain with a private redis-server and a goroutine leak check, and a
// few helpers.
//
//	func TestMain(m *testing.M) { servicetest.Main(m) }
package servicetest

import (
	"context"
	"net"
	"os"
	"strconv"
	"testing"
	"time"

	"goweb/pkg/config"
	"goweb/pkg/logger"
	"goweb/pkg/redis"
	"goweb/pkg/redis/redistest"
)

// Redis is the package's redis-server, started by Main.
var Redis *redistest.Server

// Main starts Redis, runs the tests, stops Redis, runs after and fails
// the run if a goroutine outlives the tests.
func Main(m *testing.M, after ...func()) {
	os.Exit(redistest.RunTests(m, &Redis, 3*time.Second, after...))
}

// RedisConfig returns settings for the server at addr.
func RedisConfig(addr string) config.RedisConfig {
	host, p, _ := net.SplitHostPort(addr)
	port, _ := strconv.Atoi(p)
	return config.RedisConfig{Host: host, Port: port, Configured: true}
}

// Manager returns a manager for addr, closed at cleanup.
func Manager(t testing.TB, addr string) *redis.Manager {
	t.Helper()
	rc := RedisConfig(addr)
	rc.DialTimeout = 200 * time.Millisecond
	m := redis.NewManager(&rc, logger.Nop())
	t.Cleanup(func() { _ = m.Close() })
	return m
}

// Eventually polls cond until it holds, failing the test after d.
var Eventually = redistest.Eventually

// Ctx returns a context cancelled at the end of the test.
func Ctx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// Buffer is an io.Writer safe for concurrent use, for collecting logs and
// process output.
type Buffer = redistest.Buffer

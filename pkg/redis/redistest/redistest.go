// Package redistest starts private redis-server processes for tests.
//
// A test package shares one server, started by RunTests in TestMain (which
// also fails a run that leaks goroutines), and gives each test its own
// topic names:
//
//	var srv *redistest.Server
//
//	func TestMain(m *testing.M) { os.Exit(redistest.RunTests(m, &srv, 0)) }
//
// Tests that restart, pause or kill Redis start their own with Start. When
// REDIS_TEST_ADDR is set, MustStartMain returns a Server for that address
// instead of starting one; Start always starts a private server because the
// tests using it change the server's state.
package redistest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Server is a redis-server process owned by a test, or an external one.
type Server struct {
	Addr string
	Port int
	Dir  string // working directory (AOF/RDB files live here)

	args     []string
	cmd      *exec.Cmd
	exited   chan struct{}
	external bool
	ownDir   bool
}

// Options configure a private server.
type Options struct {
	// Args are extra redis-server arguments, e.g. "--appendonly", "yes".
	Args []string
	// Dir is the working directory. Defaults to a new temporary directory
	// removed by Stop.
	Dir string
	// Port to listen on. Defaults to a free port.
	Port int
}

// StartServer starts redis-server and waits until it answers PING.
func StartServer(opts Options) (*Server, error) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		return nil, fmt.Errorf("redistest: redis-server not found in PATH: %w", err)
	}
	s := &Server{Dir: opts.Dir, args: opts.Args, Port: opts.Port}
	if s.Dir == "" {
		dir, err := os.MkdirTemp("", "redistest-*")
		if err != nil {
			return nil, err
		}
		s.Dir, s.ownDir = dir, true
	}
	var err error
	for try := 0; try < 5; try++ {
		if opts.Port == 0 {
			if s.Port, err = FreePort(); err != nil {
				return nil, err
			}
		}
		if err = s.start(); err == nil {
			return s, nil
		}
		if opts.Port != 0 {
			break
		}
	}
	s.removeDir()
	return nil, err
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (s *Server) start() error {
	s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Port))
	args := append([]string{"--port", strconv.Itoa(s.Port)}, s.baseArgs()...)
	return s.startWith(append(args, s.args...)...)
}

// baseArgs are the settings of every private server: loopback only, files
// in s.Dir, no persistence unless the test's own arguments turn it on.
func (s *Server) baseArgs() []string {
	return []string{
		"--bind", "127.0.0.1",
		"--dir", s.Dir,
		"--save", "",
		"--appendonly", "no",
		"--daemonize", "no",
		"--protected-mode", "no",
		"--logfile", "redis.log",
	}
}

// spawn starts redis-server with args in s.Dir; s.exited is closed when the
// process ends.
func (s *Server) spawn(args []string) error {
	cmd := exec.Command("redis-server", args...)
	cmd.Dir = s.Dir
	// A process group of its own, so a Ctrl-C of the test run does not race
	// the test's own shutdown of the server, and death with the test binary
	// if that is killed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("redistest: start redis-server: %w", err)
	}
	s.cmd, s.exited = cmd, make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(s.exited)
	}()
	return nil
}

// ping checks that the server answers on s.Port, and that it is this
// process which answers: a port free a moment ago may have been taken since
// by a server another test started, and then this one, unable to listen,
// is about to exit while the other answers in its place.
func (s *Server) ping() error {
	c := s.client()
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	pid, err := Info(ctx, c, "server", "process_id")
	if err != nil && (strings.HasPrefix(err.Error(), "NOAUTH") || strings.HasPrefix(err.Error(), "NOPERM")) {
		return nil // up, and password-protected: whose it is cannot be asked
	}
	if err != nil {
		return err
	}
	if pid != strconv.Itoa(s.cmd.Process.Pid) {
		return fmt.Errorf("port %d is answered by another redis-server (pid %s)", s.Port, pid)
	}
	return nil
}

func (s *Server) logTail() string {
	b, _ := os.ReadFile(filepath.Join(s.Dir, "redis.log"))
	return tail(string(b), 5)
}

// Start starts a private server for one test and stops it at cleanup.
func Start(t testing.TB, args ...string) *Server {
	t.Helper()
	s, err := StartServer(Options{Args: args})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

// MustStartMain starts the server a test package shares, or uses
// REDIS_TEST_ADDR. It panics on failure because TestMain has no *testing.T.
func MustStartMain(args ...string) *Server {
	if addr := os.Getenv("REDIS_TEST_ADDR"); addr != "" {
		return &Server{Addr: addr, external: true}
	}
	s, err := StartServer(Options{Args: args})
	if err != nil {
		panic(err)
	}
	return s
}

// Stop shuts the server down and removes its directory if it made it.
func (s *Server) Stop() {
	if s.external {
		return
	}
	s.Kill()
	s.removeDir()
}

func (s *Server) removeDir() {
	if s.ownDir {
		_ = os.RemoveAll(s.Dir)
	}
}

// Kill ends the process with SIGKILL and waits for it to exit. The directory
// is kept, so Restart brings back what was persisted.
func (s *Server) Kill() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGCONT) // a paused process must be able to die
	_ = s.cmd.Process.Kill()
	<-s.exited
	s.cmd = nil
}

// Restart starts the server again on the same port and directory.
func (s *Server) Restart() error {
	if s.external {
		return errors.New("redistest: cannot restart an external server")
	}
	s.Kill()
	var err error
	for try := 0; try < 50; try++ { // the port may linger briefly
		if err = s.start(); err == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return err
}

// Pause stops the process with SIGSTOP: connections stay open but nothing
// answers, like a hung server.
func (s *Server) Pause() { _ = s.cmd.Process.Signal(syscall.SIGSTOP) }

// Resume continues a paused server.
func (s *Server) Resume() { _ = s.cmd.Process.Signal(syscall.SIGCONT) }

// Client returns a client for the server, closed at cleanup.
func (s *Server) Client(t testing.TB) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: s.Addr})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

var nameSeq atomic.Int64
var unsafe = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// Topic returns a topic name unique to this test run, derived from the test
// name, so tests sharing a server never see each other's keys.
func Topic(t testing.TB) string {
	name := unsafe.ReplaceAllString(t.Name(), "-")
	if len(name) > 100 {
		name = name[len(name)-100:]
	}
	return fmt.Sprintf("t%d.%d.%s", os.Getpid(), nameSeq.Add(1), name)
}

// Info returns one field of INFO, e.g. Info(ctx, c, "memory", "used_memory").
func Info(ctx context.Context, c redis.Cmdable, section, field string) (string, error) {
	txt, err := c.Info(ctx, section).Result()
	if err != nil {
		return "", err
	}
	sc := bufio.NewScanner(strings.NewReader(txt))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			return strings.TrimSpace(v), nil
		}
	}
	return "", fmt.Errorf("redistest: INFO %s has no %s", section, field)
}

// MinWait is the shortest deadline Eventually waits for.
const MinWait = 20 * time.Second

// WaitUntil polls cond every few milliseconds until it is true or d has
// passed, and says whether it became true. It is for callers that report a
// miss themselves (a tally of what is missing, a measured bound), so d is
// theirs: no minimum applies.
func WaitUntil(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
	return true
}

// Eventually polls cond every few milliseconds until it is true, and fails
// the test when d (at least MinWait) passes first. Tests wait on
// conditions, never on bare sleeps.
func Eventually(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	// The suites run on shared machines where two cores may serve several
	// suites at once: a deadline bounds a hang, it is not a speed claim,
	// so none is shorter than MinWait.
	d = max(d, MinWait)
	if !WaitUntil(d, cond) {
		t.Fatalf("timed out after %v waiting for %s", d, what)
	}
}

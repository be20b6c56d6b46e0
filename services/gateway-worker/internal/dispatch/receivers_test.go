package dispatch_test

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"goweb/services/gateway-worker/internal/dispatch"
	"goweb/services/gateway-worker/internal/servicetest"
)

// TestDocReceivers runs the Node and Python receivers of docs/dispatch.md
// exactly as the page prints them: a delivery signed with the receiver's
// secret is handled once; one signed with another secret is refused with
// 401 and dead-lettered at once, never handled. Node loads express and
// standardwebhooks from test/npm, which make test-deps installs.
func TestDocReceivers(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile("../../../../docs/dispatch.md")
	if err != nil {
		t.Fatal(err)
	}
	modules, err := filepath.Abs("../../../../test/npm/node_modules")
	if err != nil {
		t.Fatal(err)
	}
	for _, rc := range []struct {
		fence, file string
		argv        []string
		setup       func(t *testing.T, dir string)
		exact       bool // integers beyond 2^53 keep every digit
	}{
		{fence: "js", file: "receiver.mjs", argv: []string{"node", "receiver.mjs"}, setup: func(t *testing.T, dir string) {
			if _, err := os.Stat(filepath.Join(modules, "standardwebhooks")); err != nil {
				t.Fatalf("test/npm is not installed (make test-deps installs it): %v", err)
			}
			if err := os.Symlink(modules, filepath.Join(dir, "node_modules")); err != nil {
				t.Fatal(err)
			}
		}},
		{fence: "python", file: "receiver.py", argv: []string{"python3", "receiver.py"}, exact: true},
	} {
		t.Run(rc.fence, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			if rc.setup != nil {
				rc.setup(t, dir)
			}
			if err := os.WriteFile(filepath.Join(dir, rc.file), codeBlock(t, doc, rc.fence), 0o644); err != nil {
				t.Fatal(err)
			}
			secret := newSecret(t)
			out, url := runReceiver(t, dir, secret, rc.argv)
			checkDocReceiver(t, secret, url, out, rc.exact)
		})
	}
}

// codeBlock is the one fenced block of the given language in doc.
func codeBlock(t *testing.T, doc []byte, fence string) []byte {
	t.Helper()
	blocks := regexp.MustCompile("(?ms)^```"+fence+"\n(.*?)^```").FindAllSubmatch(doc, -1)
	if len(blocks) != 1 {
		t.Fatalf("docs/dispatch.md has %d ```%s blocks, want 1", len(blocks), fence)
	}
	return blocks[0][1]
}

// runReceiver starts argv in dir with the secret and a free port, waits
// until it listens, and returns its output and the URL of its hook.
func runReceiver(t *testing.T, dir, secret string, argv []string) (*servicetest.Buffer, string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	_, port, _ := net.SplitHostPort(addr)
	out := &servicetest.Buffer{}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, out, out
	cmd.Env = append(os.Environ(), "WEBHOOK_SECRET="+secret, "PORT="+port)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	eventually(t, argv[1]+" listening on "+addr, func() bool {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			_ = c.Close()
		}
		return err == nil
	})
	return out, "http://" + addr + "/hooks/created"
}

// checkDocReceiver sends the receiver one message signed with its secret
// and one signed with another.
// JavaScript's JSON.parse rounds integers beyond 2^53, as docs/dispatch.md
// says; exact says the receiver keeps them.
func checkDocReceiver(t *testing.T, secret, url string, out *servicetest.Buffer, exact bool) {
	for _, tc := range []struct {
		secret  string
		handled bool
	}{{secret, true}, {newSecret(t), false}} {
		b := setup(t)
		s, err := dispatch.ParseSecret(tc.secret)
		if err != nil {
			t.Fatal(err)
		}
		route := b.route(t, func(r *dispatch.RawRoute) { r.URL = url })
		b.start(t, dispatch.Config{Routes: []dispatch.Route{route}, DefaultSecrets: []dispatch.Secret{s}})
		mark := fmt.Sprintf("order-%d", time.Now().UnixNano())
		b.publish(t, map[string]interface{}{"order_id": mark, "amount": 9007199254740993, "note": "ünïcode"})
		if tc.handled {
			eventually(t, "the signed delivery handled", func() bool { return b.stats(t).Processed == 1 })
			if n := strings.Count(out.String(), mark); n != 1 {
				t.Errorf("receiver printed the order %d times, want once; output:\n%s", n, out)
			}
			if exact && !strings.Contains(out.String(), "9007199254740993") {
				t.Errorf("receiver did not get the amount with every digit; output:\n%s", out)
			}
			continue
		}
		eventually(t, "the delivery signed with another secret dead-lettered", func() bool { return b.stats(t).Dead == 1 })
		if st := b.stats(t); st.Processed != 0 {
			t.Errorf("a delivery signed with another secret was processed: %+v", st)
		}
		if strings.Contains(out.String(), mark) {
			t.Errorf("receiver handled a delivery signed with another secret; output:\n%s", out)
		}
	}
}

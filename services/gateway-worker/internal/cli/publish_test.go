package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"goweb/pkg/config"
	"goweb/pkg/redis"
	"goweb/services/gateway-worker/internal/servicetest"
)

func TestPublishAndPeek(t *testing.T) {
	t.Parallel()
	b := setup(t)
	id := strings.TrimSpace(b.run(t, "publish", b.topic, `{"order_id":"12345","big":12345678901234567890}`).ok(t).stdout)
	if !redis.ValidID(id) {
		t.Fatalf("publish printed %q, want the message id", id)
	}
	if out := b.run(t, "publish", b.topic, `{"n":2}`, "--delay", "10m", "--id", "later-1").ok(t).stdout; out != "later-1\n" {
		t.Errorf("publish --id printed %q", out)
	}
	if s := b.stats(t); s.Pending != 1 || s.Delayed != 1 {
		t.Fatalf("after two publishes: %+v, want 1 pending and 1 delayed", s)
	}

	var pending []redis.QueuedMessage
	b.run(t, "peek", b.topic, "--json").ok(t).json(t, &pending)
	if len(pending) != 1 || pending[0].ID != id || !strings.Contains(pending[0].Entry, "12345678901234567890") {
		t.Errorf("peek --json: %+v, want message %s with every digit of big", pending, id)
	}
	table := b.run(t, "peek", b.topic).ok(t).stdout
	if row := line(t, table, id); !strings.Contains(strings.Join(row, " "), `"big":12345678901234567890`) {
		t.Errorf("peek table row %v does not show the data as published", row)
	}
	if !strings.Contains(table, "1 of 1 pending messages of "+b.topic) {
		t.Errorf("peek table has no count:\n%s", table)
	}

	var delayed []redis.QueuedMessage
	b.run(t, "peek", b.topic, "--state", "delayed", "--json").ok(t).json(t, &delayed)
	if len(delayed) != 1 || delayed[0].ID != "later-1" {
		t.Fatalf("peek --state delayed: %+v", delayed)
	}
	if due := time.Until(delayed[0].DueAt); due < 9*time.Minute || due > 10*time.Minute {
		t.Errorf("due in %s, want about 10m", due)
	}
}

func writeLines(t *testing.T, lines ...string) string {
	t.Helper()
	name := filepath.Join(t.TempDir(), "messages.ndjson")
	if err := os.WriteFile(name, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return name
}

// A file of more lines than one batch is published whole, in file order,
// blank lines skipped; the progress bar shows on a terminal only.
func TestPublishFile(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const n = 2*bulkBatch + 3
	lines := make([]string, 0, n+2)
	for i := range n {
		lines = append(lines, fmt.Sprintf(`{"i":%d}`, i))
		if i == 10 {
			lines = append(lines, "", "   ")
		}
	}
	file := writeLines(t, lines...)

	r := b.run(t, "publish", b.topic, "--file", file).ok(t)
	if r.stdout != fmt.Sprintf("published %d messages to %s\n", n, b.topic) || r.stderr != "" {
		t.Errorf("stdout %q, stderr %q", r.stdout, r.stderr)
	}
	msgs, err := b.m.Inspector().Pending(servicetest.Ctx(t), b.topic, 0, n+1)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != n {
		t.Fatalf("%d pending, want %d", len(msgs), n)
	}
	for i, m := range msgs {
		if fmt.Sprint(m.Data["i"]) != fmt.Sprint(i) {
			t.Fatalf("message %d of the queue has data %v: file order lost", i, m.Data)
		}
	}

	opts := b.opts
	opts.Terminal = func(w io.Writer) bool { return true }
	r = b.runCtx(t, servicetest.Ctx(t), opts, "publish", b.topic, "--file", file, "--delay", "1h")
	if r.code != 0 || !strings.Contains(r.stderr, fmt.Sprintf("] %d/%d\n", n, n)) {
		t.Errorf("on a terminal: exit %d, stderr %q, want a finished progress bar", r.code, r.stderr)
	}
	if s := b.stats(t); s.Delayed != n {
		t.Errorf("%d delayed after publish --file --delay, want %d", s.Delayed, n)
	}
}

// A bad line anywhere publishes nothing, names the line and exits 2, as
// bad JSON on the command line does.
func TestPublishFileBadLine(t *testing.T) {
	t.Parallel()
	b := setup(t)
	lines := make([]string, bulkBatch+5)
	for i := range lines {
		lines[i] = `{"ok":true}`
	}
	lines[bulkBatch+2] = `{"ok":tru}`
	file := writeLines(t, lines...)
	r := b.run(t, "publish", b.topic, "--file", file)
	want := fmt.Sprintf("%s:%d: invalid JSON", file, bulkBatch+3)
	if r.code != ExitUsage || !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, "nothing was published") {
		t.Errorf("exit %d, stderr %q, want %q", r.code, r.stderr, want)
	}
	if s := b.stats(t); s.Pending != 0 {
		t.Errorf("%d published from a bad file", s.Pending)
	}

	r = b.run(t, "publish", b.topic, "--file", writeLines(t, `{"a":1}`, `[1,2]`))
	if r.code != ExitUsage || !strings.Contains(r.stderr, ":2: want a JSON object, got an array") {
		t.Errorf("array line: exit %d, stderr %q", r.code, r.stderr)
	}
	r = b.run(t, "publish", b.topic, "--file", filepath.Join(t.TempDir(), "missing.ndjson"))
	if r.code != ExitError || !strings.Contains(r.stderr, "no such file") {
		t.Errorf("missing file: exit %d, stderr %q", r.code, r.stderr)
	}
}

// peek --json lists data even when it is {}.
func TestPeekListsEmptyData(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.run(t, "publish", b.topic, `{}`).ok(t)
	var msgs []map[string]any
	b.run(t, "peek", b.topic, "--json").ok(t).json(t, &msgs)
	if len(msgs) != 1 || msgs[0]["data"] == nil {
		t.Errorf("peek --json: %v, want data {}", msgs)
	}
}

// --file - publishes standard input's lines; a bad one names stdin.
func TestPublishFileStdin(t *testing.T) {
	t.Parallel()
	b := setup(t)
	opts := b.opts
	opts.Stdin = strings.NewReader("{\"a\":1}\n\n{\"a\":2}\n")
	r := b.runCtx(t, servicetest.Ctx(t), opts, "publish", b.topic, "--file", "-").ok(t)
	if !strings.Contains(r.stdout, "published 2 messages") || b.stats(t).Pending != 2 {
		t.Errorf("stdout %q, %d pending", r.stdout, b.stats(t).Pending)
	}
	opts.Stdin = strings.NewReader("{\"a\":1}\n7\n")
	r = b.runCtx(t, servicetest.Ctx(t), opts, "publish", b.topic, "--file", "-")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "stdin:2: want a JSON object, got a number") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
	if s := b.stats(t); s.Pending != 2 {
		t.Errorf("%d pending after a bad stdin, want 2", s.Pending)
	}
}

// publish waits for REDIS_WAIT_REPLICAS as the server does: the test's
// Redis has no replica, so the message is stored but the command fails
// saying so; an out-of-bounds setting is refused before anything is sent.
func TestPublishWaitsForReplicas(t *testing.T) {
	t.Parallel()
	b := setup(t)
	rc := servicetest.RedisConfig(servicetest.Redis.Addr)
	withWait := func(replicas any) Options {
		o := b.opts
		o.Config = func() *config.Config {
			return config.NewFromMap(map[string]any{"redis.host": rc.Host, "redis.port": rc.Port,
				"redis.wait_replicas": replicas, "redis.wait_timeout": "50ms"})
		}
		return o
	}
	r := b.runCtx(t, servicetest.Ctx(t), withWait(1), "publish", b.topic, `{"n":1}`)
	if r.code != ExitError || !strings.Contains(r.stderr, "confirmed by 0 of 1 replicas") ||
		!strings.Contains(r.stderr, "stored, but not replicated") || strings.TrimSpace(r.stdout) == "" ||
		!strings.Contains(r.stderr, "message "+strings.TrimSpace(r.stdout)+" stored") {
		t.Errorf("publish with REDIS_WAIT_REPLICAS=1 and no replica: exit %d, stdout %q, stderr %q; want %d, the id and the replica count", r.code, r.stdout, r.stderr, ExitError)
	}
	if s := b.stats(t); s.Pending != 1 {
		t.Errorf("pending %d, want 1: the master keeps what it could not confirm", s.Pending)
	}
	r = b.runCtx(t, servicetest.Ctx(t), withWait(1), "publish", b.topic, "--file", writeLines(t, `{"n":1}`, ``, `{"n":2}`))
	if r.code != ExitError || !strings.Contains(r.stderr, "published 2 of 2 messages, lines 1 to 3 (the last 2 stored but not replicated") {
		t.Errorf("publish --file with REDIS_WAIT_REPLICAS=1 and no replica: exit %d, stderr %q", r.code, r.stderr)
	}
	if s := b.stats(t); s.Pending != 3 {
		t.Errorf("pending %d, want 3", s.Pending)
	}
	r = b.runCtx(t, servicetest.Ctx(t), withWait(redis.MaxReplicaAck+1), "publish", b.topic, `{"n":2}`)
	if r.code == ExitOK || !strings.Contains(r.stderr, "REDIS_WAIT_REPLICAS") {
		t.Errorf("publish with REDIS_WAIT_REPLICAS=%d: exit %d, stderr %q; want a failure naming the setting", redis.MaxReplicaAck+1, r.code, r.stderr)
	}
	if s := b.stats(t); s.Pending != 3 {
		t.Errorf("pending %d, want 3: a bad setting publishes nothing", s.Pending)
	}
}

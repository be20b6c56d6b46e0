package cli

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"goweb/pkg/redis"
	"goweb/services/gateway-worker/internal/servicetest"
)

func TestTopicsAndStats(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.run(t, "publish", b.topic, `{"a":1}`).ok(t)
	b.run(t, "publish", b.topic, `{"a":2}`).ok(t)
	b.run(t, "publish", b.topic, `{"a":3}`, "--delay", "1h").ok(t)

	var topics []topicCounts
	b.run(t, "topics", "--json").ok(t).json(t, &topics)
	found := false
	for _, c := range topics {
		if c.Topic == b.topic {
			found = true
			if c != (topicCounts{Topic: b.topic, Pending: 2, Delayed: 1}) {
				t.Errorf("topics --json: %+v", c)
			}
		}
	}
	if !found {
		t.Errorf("topics --json does not list %s: %+v", b.topic, topics)
	}
	// [1:5]: another test's broken topic may add an ERROR column.
	if row := line(t, b.run(t, "topics").ok(t).stdout, b.topic+" "); strings.Join(row[1:5], " ") != "2 1 0 0" {
		t.Errorf("topics row %v, want pending 2, delayed 1", row)
	}

	var one redis.TopicStats
	b.run(t, "stats", b.topic, "--json").ok(t).json(t, &one)
	if one.Topic != b.topic || one.Pending != 2 || one.Delayed != 1 {
		t.Errorf("stats TOPIC --json: %+v", one)
	}
	var all []redis.TopicStats
	b.run(t, "stats", "--json").ok(t).json(t, &all)
	if len(all) == 0 {
		t.Error("stats --json: empty")
	}
	r := b.run(t, "stats", b.topic).ok(t)
	if row := line(t, r.stdout, b.topic+" "); strings.Join(row[1:], " ") != "2 1 0 0 0 0 0 0 0 false" { // not paused, and no ERROR
		t.Errorf("stats row %v", row)
	}
	if r.stderr != "" {
		t.Errorf("stderr %q for a known topic", r.stderr)
	}
	if r := b.run(t, "stats", b.topic+".typo").ok(t); !strings.Contains(r.stderr, "was never published to or consumed") {
		t.Errorf("stderr %q, want a note about the unknown topic", r.stderr)
	}
}

// stats --watch redraws until interrupted, then exits 0; with --json each
// refresh is one line.
func TestStatsWatch(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.run(t, "publish", b.topic, `{"a":1}`).ok(t)
	for _, tc := range []struct {
		args  []string
		frame string
	}{
		{[]string{"--json"}, `{"topic":"` + b.topic + `"`},
		{nil, "TOPIC"},
	} {
		ctx, cancel := context.WithCancel(context.Background())
		var stdout servicetest.Buffer
		done := make(chan int, 1)
		opts := b.opts
		opts.Stdout, opts.Stderr = &stdout, &servicetest.Buffer{}
		args := append([]string{"stats", b.topic, "--watch", "--interval", "100ms"}, tc.args...)
		go func() { done <- Execute(ctx, args, opts) }()
		servicetest.Eventually(t, 10*time.Second, "three refreshes", func() bool {
			return strings.Count(stdout.String(), tc.frame) >= 3
		})
		cancel()
		select {
		case code := <-done:
			if code != ExitOK {
				t.Errorf("%v: exit %d after interrupt", args, code)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%v: still running 10s after interrupt", args)
		}
		if tc.args == nil && !strings.Contains(stdout.String(), " (every 100ms; Ctrl-C to stop)\n") {
			t.Errorf("--watch header does not say the interval:\n%s", stdout.String())
		}
		if tc.args != nil {
			for _, l := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
				if !strings.HasPrefix(l, tc.frame) {
					t.Errorf("--watch --json line %q is not one stats document", l)
				}
			}
		}
	}
}

// A topic whose keys are broken shows its error in topics and stats (table
// and JSON); stats of that topic fails; peek of a healthy state still works.
func TestBrokenTopics(t *testing.T) {
	t.Parallel()
	b := setup(t)
	broken := b.topic + ".broken"
	b.run(t, "publish", b.topic, `{"a":1}`).ok(t)
	b.run(t, "publish", broken, `{"a":1}`).ok(t)
	if err := b.m.Client().Del(context.Background(), "mq:"+broken).Err(); err != nil {
		t.Fatal(err)
	}
	if err := b.m.Client().Set(context.Background(), "mq:"+broken, "x", 0).Err(); err != nil {
		t.Fatal(err)
	}

	var topics []topicCounts
	b.run(t, "topics", "--json").ok(t).json(t, &topics)
	for _, c := range topics {
		if c.Topic == broken && !strings.Contains(c.Error, "WRONGTYPE") || c.Topic == b.topic && c.Error != "" {
			t.Errorf("topics --json: %+v", c)
		}
	}
	out := b.run(t, "topics").ok(t).stdout
	if !strings.Contains(strings.Split(out, "\n")[0], "ERROR") || !strings.Contains(strings.Join(line(t, out, broken+" "), " "), "WRONGTYPE") {
		t.Errorf("topics shows no error for %s:\n%s", broken, out)
	}
	if row := line(t, out, b.topic+" "); strings.Join(row[1:], " ") != "1 0 0 0 false -" {
		t.Errorf("healthy row %v", row)
	}

	r := b.run(t, "stats", broken)
	if r.code != ExitError || !strings.Contains(r.stdout, "WRONGTYPE") || !strings.Contains(r.stderr, broken) {
		t.Errorf("stats %s: exit %d\n%s\n%s", broken, r.code, r.stdout, r.stderr)
	}
	var one redis.TopicStats
	r = b.run(t, "stats", broken, "--json")
	if r.code != ExitError {
		t.Errorf("stats --json %s: exit %d", broken, r.code)
	}
	r.json(t, &one)
	if !strings.Contains(one.Error, "WRONGTYPE") {
		t.Errorf("stats --json: %+v", one)
	}

	// Only the dead key of a topic is broken: in-flight messages still show.
	if err := b.m.Client().Set(context.Background(), "{mq:"+b.topic+"}:dead", "x", 0).Err(); err != nil {
		t.Fatal(err)
	}
	r = b.run(t, "peek", b.topic, "--state", "pending").ok(t)
	if !strings.Contains(r.stdout, "1 pending messages of "+b.topic+" (the total is unknown") {
		t.Errorf("peek: %s", r.stdout)
	}
	b.run(t, "peek", b.topic, "--state", "in_flight").ok(t)
}

// The note about an unknown topic lists at most maxNoted known ones, so a
// Redis of thousands of topics does not print them all on one line.
func TestKnownTopicsIsBounded(t *testing.T) {
	t.Parallel()
	many := make([]string, maxNoted+288)
	for i := range many {
		many[i] = fmt.Sprintf("t%03d", i)
	}
	for _, tc := range []struct {
		topics []string
		want   string
	}{
		{nil, "there are no topics yet"},
		{[]string{"a", "b"}, "known topics: a, b"},
		{many[:maxNoted], "known topics: " + strings.Join(many[:maxNoted], ", ")},
		{many, "known topics: " + strings.Join(many[:maxNoted], ", ") + ", … and 288 more (gateway-worker topics lists them all)"},
	} {
		if got := knownTopics(tc.topics); got != tc.want {
			t.Errorf("knownTopics(%d topics) = %q, want %q", len(tc.topics), got, tc.want)
		}
	}
}

package cli

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"goweb/pkg/config"
	"goweb/pkg/redis/redistest"
)

// A wrong command line exits 2 before touching Redis, and says what is
// wrong and where the help is.
func TestUsageErrors(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tp := b.topic
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"--port=1"}, "unknown flag: --port"},
		{[]string{"stats", "--bogus"}, "unknown flag: --bogus"},
		{[]string{"stats", "a", "b"}, `unexpected argument "b"`},
		{[]string{"stats", "has space"}, `invalid topic "has space": character ' ' at byte 3 is not one of`},
		{[]string{"stats", "--interval", "1ms"}, "--interval 1ms: must be between"},
		{[]string{"stats", "--interval", "soon"}, `invalid argument "soon" for "--interval"`},
		{[]string{"topics", "extra"}, `unexpected argument "extra"`},
		{[]string{"peek", tp, "-n", "abc"}, `-n, --number "abc": want a whole number`},
		{[]string{"publish"}, "missing TOPIC"},
		{[]string{"publish", tp}, "missing JSON"},
		{[]string{"publish", tp, `{"a":`}, "JSON: invalid JSON: truncated"},
		{[]string{"publish", tp, `{"a":x}`}, "JSON: invalid JSON at byte 6"},
		{[]string{"publish", tp, `"text"`}, "JSON: want a JSON object, got a string"},
		{[]string{"publish", tp, `{} {}`}, "JSON: invalid JSON: more after the object"},
		// Refused as the admin API refuses them.
		{[]string{"publish", tp, `{"a":1e400}`}, "JSON: a: the number 1e400 is out of the range of a 64-bit float; no consumer could read it"},
		{[]string{"publish", tp, `{"a":1,"a":2}`}, `JSON: data: the key "a" appears twice; give each key once`},
		{[]string{"publish", tp, `{}`, "--delay", "-1s"}, "--delay -1s: must be between 0 and"},
		{[]string{"publish", tp, `{}`, "--id", "has space"}, `--id "has space": want 1 to 256`},
		{[]string{"publish", tp, `{}`, "--file", "x.ndjson"}, "give JSON or --file, not both"},
		{[]string{"publish", tp, "--file", "x.ndjson", "--id", "a"}, "--id applies to one message"},
		{[]string{"publish", "{bad}", `{}`}, `invalid topic "{bad}"`},
		{[]string{"peek"}, "missing TOPIC"},
		{[]string{"peek", tp, "--state", "done"}, `--state "done": want one of [pending delayed in_flight dead]`},
		{[]string{"peek", tp, "-n", "0"}, "-n 0: must be between 1 and 1000"},
		{[]string{"peek", tp, "-n", "1001"}, "-n 1001: must be between 1 and 1000"},
		{[]string{"dead"}, ""},
		{[]string{"dead", "revive", tp}, `unknown command "revive"`},
		{[]string{"dead", "retry", tp}, "missing the ids of the dead letters to requeue, or --all"},
		{[]string{"dead", "retry", tp, "id1", "--all"}, "give message ids or --all, not both"},
		{[]string{"dead", "purge", tp, "--older-than", "0s"}, "--older-than 0s: must be positive"},
		{[]string{"dead", "purge", tp, "extra"}, `unexpected argument "extra"`},
		{[]string{"consumers", "a:b{c}"}, `invalid topic "a:b{c}"`},
		{[]string{"healthcheck", "now"}, `unexpected argument "now"`},
	} {
		r := b.run(t, tc.args...)
		if tc.want == "" { // a command that only groups others prints its help
			if r.code != ExitOK || !strings.Contains(r.stdout, "Available Commands") {
				t.Errorf("%q: exit %d, stdout %q", tc.args, r.code, r.stdout)
			}
			continue
		}
		if r.code != ExitUsage || !strings.Contains(r.stderr, tc.want) || !strings.Contains(r.stderr, "--help' for usage") || r.stdout != "" {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 2 and %q", tc.args, r.code, r.stdout, r.stderr, tc.want)
		}
	}
	if s := b.stats(t); s.Pending+s.Delayed != 0 {
		t.Errorf("a refused command published: %+v", s)
	}
}

// Every command has --help with an example.
func TestHelp(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var walk func(c *cobra.Command)
	n := 0
	walk = func(c *cobra.Command) {
		if c.Name() == "help" {
			return
		}
		n++
		path := strings.Fields(c.CommandPath())[1:]
		r := b.run(t, append(path, "--help")...)
		if r.code != ExitOK || !strings.Contains(r.stdout, "Examples:\n") || !strings.Contains(r.stdout, "gateway-worker ") || !strings.Contains(r.stdout, "Usage:") {
			t.Errorf("%q --help: exit %d\n%s", path, r.code, r.stdout)
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk((&env{}).root())
	if n < 11 { // root, serve, healthcheck, topics, stats, publish, peek, dead, retry, purge, consumers
		t.Errorf("%d commands walked", n)
	}
}

// A Redis that does not answer fails the command quickly, saying where it
// looked.
func TestRedisUnreachable(t *testing.T) {
	t.Parallel()
	port, err := redistest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	b := setup(t)
	b.opts.Config = func() *config.Config {
		return config.NewFromMap(map[string]any{"redis.host": "127.0.0.1", "redis.port": port})
	}
	r := b.run(t, "topics")
	if r.code != ExitError || !strings.Contains(r.stderr, "cannot reach Redis (the configured Redis)") || !strings.Contains(r.stderr, "connection refused") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
	// Nothing configured: the command looks where the worker's embedded
	// default listens.
	b.opts.Config = func() *config.Config {
		return config.NewFromMap(map[string]any{"redis.embedded_addr": "127.0.0.1:" + strconv.Itoa(port)})
	}
	r = b.run(t, "stats")
	if r.code != ExitError || !strings.Contains(r.stderr, "no Redis is configured (REDIS_HOST, REDIS_URL, ...), so the worker's default 127.0.0.1:"+strconv.Itoa(port)) {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
	// A bad setting is reported as the server reports it.
	b.opts.Config = func() *config.Config { return config.NewFromMap(map[string]any{"redis.port": "many"}) }
	if r := b.run(t, "topics"); r.code != ExitError || !strings.Contains(r.stderr, `redis.port (REDIS_PORT)="many"`) {
		t.Errorf("bad REDIS_PORT: exit %d, stderr %q", r.code, r.stderr)
	}
}

// docs/service.md's command table lists every command.
func TestCommandsDocumented(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../../../../docs/service.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(raw), "## Command line\n")
	section, _, _ = strings.Cut(section, "\n## ")
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Name() == "help" {
			return
		}
		if c.Runnable() && !c.HasSubCommands() && !strings.Contains(section, "`"+c.CommandPath()) {
			t.Errorf("docs/service.md, Command line: no `%s`", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk((&env{}).root())
}

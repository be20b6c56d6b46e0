package config

import (
	"bytes"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw     string
		want    RedisConfig // URL and Configured are checked separately
		wantErr string
	}{
		{raw: "redis://localhost:6379", want: RedisConfig{Host: "localhost", Port: 6379}},
		{raw: "redis://h", want: RedisConfig{Host: "h", Port: 6379}},
		{raw: "redis://", want: RedisConfig{Host: "localhost", Port: 6379}},
		{raw: "redis:///3", want: RedisConfig{Host: "localhost", Port: 6379, DB: 3}},
		{raw: "REDIS://H:1/", want: RedisConfig{Host: "H", Port: 1}},
		{raw: "rediss://h:6380/0", want: RedisConfig{Host: "h", Port: 6380, TLS: true}},
		{raw: "redis://:p%40ss@h:1/2", want: RedisConfig{Host: "h", Port: 1, DB: 2, Password: "p@ss"}},
		{raw: "redis://user:pw@h", want: RedisConfig{Host: "h", Port: 6379, Username: "user", Password: "pw"}},
		{raw: "redis://user@h", want: RedisConfig{Host: "h", Port: 6379, Username: "user"}},
		{raw: "redis://[::1]:7000/1", want: RedisConfig{Host: "::1", Port: 7000, DB: 1}},
		{raw: " redis://h ", want: RedisConfig{Host: "h", Port: 6379}},
		{
			raw: "redis://h?dial_timeout=2s&read_timeout=4&write_timeout=500ms&pool_size=50",
			want: RedisConfig{Host: "h", Port: 6379, DialTimeout: 2 * time.Second, ReadTimeout: 4 * time.Second,
				WriteTimeout: 500 * time.Millisecond, PoolSize: 50},
		},
		{raw: "http://h", wantErr: `invalid URL scheme: http`},
		{raw: "h:6379", wantErr: `invalid URL scheme: h`},
		{raw: "localhost", wantErr: `invalid URL scheme: `},
		{raw: "", wantErr: `invalid URL scheme: `},
		{raw: "redis:h", wantErr: "missing // after the scheme"},
		{raw: "redis://h:abc", wantErr: "not a valid URL"},
		{raw: "redis://h:0", wantErr: `port 0: out of range`},
		{raw: "redis://h:65536", wantErr: `port 65536: out of range`},
		{raw: "redis://h/-1", wantErr: `database -1: out of range`},
		{raw: "redis://h/1/2", wantErr: `invalid URL path: /1/2`},
		{raw: "redis://h/db", wantErr: `invalid database number: "db"`},
		{raw: "redis://h?dial_timeout=-1s", wantErr: `dial_timeout="-1s": out of range`},
		{raw: "redis://h?read_timeout=x", wantErr: `invalid read_timeout duration`},
		{raw: "redis://h?pool_size=-1", wantErr: `pool_size="-1": out of range`},
		{raw: "redis://h?pool_size=100000", wantErr: `pool_size="100000": out of range: want 0..10000`},
		{raw: "redis://h?pool_size=x", wantErr: `invalid pool_size number`},
		{raw: "redis://h?protocol=3", wantErr: `parameter "protocol" is not supported`},
		{raw: "redis://u:secret-pw@h?nope=1", wantErr: `unexpected option: nope`},
		{raw: "redis://u:pw%zz@h", wantErr: `malformed %-escape`},
		{raw: "redis://h?a=%zz", wantErr: "bad query"},
		{raw: "redis://u:pw@h:1%", wantErr: "not a valid URL"},
	}
	for _, tt := range tests {
		got, err := ParseURL(tt.raw)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseURL(%q) error = %v, want it to contain %q", tt.raw, err, tt.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "pw") {
				t.Errorf("ParseURL(%q) error leaks the password: %v", tt.raw, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseURL(%q) error = %v", tt.raw, err)
			continue
		}
		if got.URL != strings.TrimSpace(tt.raw) || !got.Configured {
			t.Errorf("ParseURL(%q): URL %q, Configured %v", tt.raw, got.URL, got.Configured)
		}
		got.URL, got.Configured = "", false
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseURL(%q)\n got %+v\nwant %+v", tt.raw, plainRedisConfig(got), plainRedisConfig(tt.want))
		}
	}
}

func TestGetRedisConfig(t *testing.T) {
	t.Parallel()
	defaults := RedisConfig{
		Port: 6379, EmbeddedAddr: "127.0.0.1:6379",
		DialTimeout: 5 * time.Second, ReadTimeout: 3 * time.Second, WriteTimeout: 3 * time.Second,
	}
	with := func(f func(*RedisConfig)) RedisConfig {
		rc := defaults
		f(&rc)
		return rc
	}
	tests := []struct {
		name string
		env  map[string]string
		doc  string
		want RedisConfig
	}{
		{"nothing", nil, "", defaults},
		{"host only", map[string]string{"REDIS_HOST": "r"}, "", with(func(rc *RedisConfig) {
			rc.Host, rc.Configured = "r", true
		})},
		{"port only", map[string]string{"REDIS_PORT": "6390"}, "", with(func(rc *RedisConfig) {
			rc.Port, rc.Configured = 6390, true
		})},
		{"password alone is not an address", map[string]string{"REDIS_PASSWORD": "pw", "REDIS_DB": "4"}, "", with(func(rc *RedisConfig) {
			rc.Password, rc.DB = "pw", 4
		})},
		{"from file", nil, "redis:\n  host: f\n  port: 1\n  username: u\n  tls: true\n  tls_insecure: true\n  tls_ca_file: /ca\n  pool_size: 7\n  read_timeout: 1s\n", with(func(rc *RedisConfig) {
			rc.Host, rc.Port, rc.Username, rc.TLS, rc.TLSInsecureSkipVerify, rc.TLSCAFile = "f", 1, "u", true, true, "/ca"
			rc.PoolSize, rc.ReadTimeout, rc.Configured = 7, time.Second, true
		})},
		{"URL wins over host and port", map[string]string{
			"REDIS_URL": "rediss://u:pw@urlhost:7000/5?dial_timeout=9s&pool_size=3", "REDIS_HOST": "ignored", "REDIS_PORT": "1",
			"REDIS_PASSWORD": "ignored", "REDIS_DB": "1", "REDIS_READ_TIMEOUT": "8s",
		}, "", with(func(rc *RedisConfig) {
			rc.URL = "rediss://u:pw@urlhost:7000/5?dial_timeout=9s&pool_size=3"
			rc.Host, rc.Port, rc.Username, rc.Password, rc.DB, rc.TLS = "urlhost", 7000, "u", "pw", 5, true
			rc.DialTimeout, rc.ReadTimeout, rc.PoolSize, rc.Configured = 9*time.Second, 8*time.Second, 3, true
		})},
		{"bad URL keeps the rest", map[string]string{"REDIS_URL": "http://x", "REDIS_HOST": "h"}, "", with(func(rc *RedisConfig) {
			rc.URL, rc.Host, rc.Configured = "http://x", "h", true
		})},
		{"cluster", map[string]string{"REDIS_CLUSTER_ADDRS": "a:1, b:2"}, "", with(func(rc *RedisConfig) {
			rc.ClusterAddrs, rc.Configured = []string{"a:1", "b:2"}, true
		})},
		{"cluster from YAML list", nil, "redis:\n  cluster_addrs: [a:1, b:2]\n", with(func(rc *RedisConfig) {
			rc.ClusterAddrs, rc.Configured = []string{"a:1", "b:2"}, true
		})},
		{"sentinel", map[string]string{"REDIS_SENTINEL_ADDRS": "s:1", "REDIS_SENTINEL_MASTER": "m", "REDIS_SENTINEL_PASSWORD": "sp"}, "", with(func(rc *RedisConfig) {
			rc.SentinelAddrs, rc.SentinelMaster, rc.SentinelPassword, rc.Configured = []string{"s:1"}, "m", "sp", true
		})},
		{"embedded", map[string]string{"REDIS_MODE": "EMBEDDED", "REDIS_EMBEDDED_ADDR": ":7001"}, "", with(func(rc *RedisConfig) {
			rc.Mode, rc.EmbeddedAddr = "embedded", ":7001"
		})},
		{"auto is empty", map[string]string{"REDIS_MODE": "auto"}, "", defaults},
		{"bad mode is empty", map[string]string{"REDIS_MODE": "nope"}, "", defaults},
		{"bad values fall back", map[string]string{"REDIS_PORT": "x", "REDIS_DIAL_TIMEOUT": "y", "REDIS_TLS": "z"}, "", with(func(rc *RedisConfig) {
			rc.Configured = true // REDIS_PORT was given, even if badly
		})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := newTest(tt.env, tt.doc).GetRedisConfig()
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("\n got %+v\nwant %+v", plainRedisConfig(got), plainRedisConfig(tt.want))
			}
		})
	}
}

func TestGetRedisConfigRecordsErrors(t *testing.T) {
	t.Parallel()
	c := newTest(map[string]string{"REDIS_URL": "redis://h/x", "REDIS_MODE": "nope"}, "")
	c.GetRedisConfig()
	c.mu.Lock()
	n := len(c.errs)
	c.mu.Unlock()
	if n != 2 {
		t.Errorf("recorded %d errors, want 2 (url and mode)", n)
	}
	if got := len(errorList(c.Validate())); got != 2 {
		t.Errorf("Validate reports %d errors, want 2 (no duplicates)", got)
	}
}

// RedisConfig must never print a password, however it is logged.
func TestRedisConfigNeverLeaks(t *testing.T) {
	t.Parallel()
	const pw, spw = "hunter2-pw", "hunter3-spw"
	rc := newTest(map[string]string{
		"REDIS_URL":               "redis://u:" + pw + "@h:1/0",
		"REDIS_SENTINEL_PASSWORD": spw,
		"REDIS_CLUSTER_ADDRS":     "c:1",
	}, "").GetRedisConfig()
	if rc.Password != pw || rc.SentinelPassword != spw {
		t.Fatalf("setup: %q %q", rc.Password, rc.SentinelPassword)
	}

	var out []string
	for _, f := range []string{"%v", "%+v", "%s", "%#v"} {
		out = append(out, fmt.Sprintf(f, rc), fmt.Sprintf(f, &rc))
	}
	var jsonBuf, textBuf bytes.Buffer
	slog.New(slog.NewJSONHandler(&jsonBuf, nil)).Info("redis", "config", rc)
	slog.New(slog.NewTextHandler(&textBuf, nil)).Info("redis", "config", rc)
	out = append(out, jsonBuf.String(), textBuf.String(), fmt.Sprint(rc.Redacted().URL))
	for _, s := range out {
		if strings.Contains(s, pw) || strings.Contains(s, spw) {
			t.Errorf("leak: %s", s)
		}
	}
	if !strings.Contains(jsonBuf.String(), `"password":"xxxxx"`) || !strings.Contains(jsonBuf.String(), `"host":"h"`) {
		t.Errorf("JSON log missing fields: %s", jsonBuf.String())
	}
	if !strings.HasPrefix(fmt.Sprintf("%#v", rc), "config.RedisConfig{") {
		t.Errorf("%%#v = %#v", rc)
	}
	// Redacted copies, it does not mask the original.
	red := rc.Redacted()
	red.ClusterAddrs[0] = "changed"
	if rc.Password != pw || rc.ClusterAddrs[0] != "c:1" {
		t.Error("Redacted changed the original")
	}
}

func TestValueErrorNeverLeaks(t *testing.T) {
	t.Parallel()
	const pw = "hunter2-pw"
	tests := []map[string]string{
		{"REDIS_URL": "http://u:" + pw + "@h"},
		{"REDIS_URL": "redis://u:" + pw + "@h:x"},
		{"REDIS_URL": "redis://u:" + pw + "@h/x"},
		{"REDIS_URL": "redis://u:" + pw + "@h%zz"},
		{"REDIS_URL": "redis://u:" + pw + "@h?dial_timeout=z"},
		{"APP_TOKEN": pw},
	}
	for _, env := range tests {
		c := newTest(env, "")
		c.GetRedisConfig()
		c.GetInt("app.token")
		err := c.Validate()
		if err == nil {
			t.Errorf("%v: no error", env)
			continue
		}
		if strings.Contains(err.Error(), pw) {
			t.Errorf("leak: %v", err)
		}
		if _, perr := ParseURL(env["REDIS_URL"]); perr != nil && strings.Contains(perr.Error(), pw) {
			t.Errorf("ParseURL leak: %v", perr)
		}
	}
}

func TestConfigRedacted(t *testing.T) {
	t.Parallel()
	c := newTest(map[string]string{
		"REDIS_PASSWORD": "pw1",
		"REDIS_URL":      "redis://:pw2@h:1",
		"WORKER_TOPICS":  "a,b",
		"UNRELATED":      "not shown",
	}, "custom:\n  api_token: tok\n  endpoints: ['https://u:pw3@x', 'https://y']\n")
	c.Set("other.secret", "pw4")
	got := c.Redacted()
	want := map[string]any{
		"redis.url":           "redis://:xxxxx@h:1",
		"redis.password":      "xxxxx",
		"redis.port":          "6379",
		"redis.embedded_addr": "127.0.0.1:6379",
		"redis.dial_timeout":  "5s",
		"redis.read_timeout":  "3s",
		"redis.write_timeout": "3s",
		"custom.api_token":    "xxxxx",
		"custom.endpoints":    []string{"https://u:xxxxx@x", "https://y"},
		"other.secret":        "xxxxx",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("\n got %v\nwant %v", got, want)
	}
}

func TestRedactURL(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"":                        "",
		"redis://h:1":             "redis://h:1",
		"redis://u@h":             "redis://u@h",
		"redis://u:p@h":           "redis://u:xxxxx@h",
		"redis://u:p@h:x%":        "redis://xxxxx@h:x%",
		"user@example.com":        "user@example.com",
		"weird@value with spaces": "weird@value with spaces",
	} {
		if got := redactURL(in); got != want {
			t.Errorf("redactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

// Every kind of malformed REDIS_URL, each with a password: the error says
// what is wrong and never shows the password.
func TestParseURLErrorsHidePassword(t *testing.T) {
	t.Parallel()
	const pw = "Tr0ub4dor-3"
	for _, raw := range []string{
		"http://u:" + pw + "@h",                      // scheme
		"redis:u:" + pw + "@h",                       // no //
		"redis://u:" + pw + "@h:abc",                 // port not a number
		"redis://u:" + pw + "@h:0",                   // port out of range
		"redis://u:" + pw + "@h:1%",                  // bad escape after the port
		"redis://u:" + pw + "%zz@h",                  // bad escape in the password
		"redis://u:" + pw + "@[::1",                  // unclosed IPv6 host
		"redis://u:" + pw + "@h/x",                   // database not a number
		"redis://u:" + pw + "@h/1/2",                 // path too long
		"redis://u:" + pw + "@h/70000",               // database out of range
		"redis://u:" + pw + "@h?dial_timeout=x",      // bad duration
		"redis://u:" + pw + "@h?pool_size=100000000", // pool too big
		"redis://u:" + pw + "@h?nope=1",              // unknown parameter
		"redis://u:" + pw + "@h?protocol=3",          // parameter not carried
		"redis://u:" + pw + "@h?a=%zz",               // bad query
		"redis://u/x:" + pw + "@h",                   // a slash pushes the password into the path
		"redis://u:" + pw + "@h\x7f",                 // control character
	} {
		_, err := ParseURL(raw)
		if err == nil {
			t.Errorf("ParseURL(%q) accepted", raw)
			continue
		}
		if strings.Contains(err.Error(), pw) || strings.Contains(err.Error(), "Tr0ub") {
			t.Errorf("ParseURL(%q): error shows the password: %v", raw, err)
		}
		if !strings.HasPrefix(err.Error(), "config: redis URL ") {
			t.Errorf("ParseURL(%q): error without context: %v", raw, err)
		}
	}
}

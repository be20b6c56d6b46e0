package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestDefaults(t *testing.T) {
	t.Parallel()
	c := newTest(nil, "")
	if got := c.GetString("redis.embedded_addr"); got != DefaultRedisAddr {
		t.Errorf("redis.embedded_addr = %q", got)
	}
	// The service's own keys have their defaults in its settings package.
	if got := c.GetInt("app.port"); got != 0 {
		t.Errorf("app.port = %d, want no default here", got)
	}
	if got := c.GetInt("redis.port"); got != 6379 {
		t.Errorf("redis.port = %d", got)
	}
	if got := c.GetDuration("redis.read_timeout"); got != 3*time.Second {
		t.Errorf("redis.read_timeout = %v", got)
	}
	if got := c.GetString("no.such.key"); got != "" {
		t.Errorf("unknown key = %q", got)
	}
	if got := c.GetStringSlice("worker.topics"); got != nil {
		t.Errorf("worker.topics = %q", got)
	}
	if c.IsSet("redis.port") {
		t.Error("a default counts as set")
	}
	if err := c.Validate(); err != nil {
		t.Errorf("Validate() = %v", err)
	}
}

func TestEnvName(t *testing.T) {
	t.Parallel()
	for key, want := range map[string]string{
		"redis.host":                   "REDIS_HOST",
		"redis.tls_ca_file":            "REDIS_TLS_CA_FILE",
		"redis.dial-timeout":           "REDIS_DIAL_TIMEOUT",
		" Log.Level ":                  "LOG_LEVEL",
		"a.b.c":                        "A_B_C",
		"redis.embedded_addr":          "REDIS_EMBEDDED_ADDR",
		"w.topic_options.a:b.x":        "W_TOPIC_OPTIONS_A_B_X",
		"w.topic_options.orders-new.x": "W_TOPIC_OPTIONS_ORDERS_NEW_X",
		"w.topic_options.é/2.x":        "W_TOPIC_OPTIONS___2_X",
	} {
		if got := EnvName(key); got != want {
			t.Errorf("EnvName(%q) = %q, want %q", key, got, want)
		}
	}
}

// Every well-known environment variable must reach its dotted key.
func TestWellKnownEnv(t *testing.T) {
	t.Parallel()
	tests := []struct{ env, key, val string }{
		{"REDIS_HOST", "redis.host", "redis.internal"},
		{"REDIS_PORT", "redis.port", "6380"},
		{"REDIS_PASSWORD", "redis.password", "pw"},
		{"REDIS_USERNAME", "redis.username", "app"},
		{"REDIS_DB", "redis.db", "2"},
		{"REDIS_URL", "redis.url", "redis://h:1/0"},
		{"REDIS_TLS", "redis.tls", "true"},
		{"REDIS_TLS_INSECURE", "redis.tls_insecure", "true"},
		{"REDIS_TLS_CA_FILE", "redis.tls_ca_file", "/ca.pem"},
		{"REDIS_CLUSTER_ADDRS", "redis.cluster_addrs", "a:1,b:2"},
		{"REDIS_SENTINEL_ADDRS", "redis.sentinel_addrs", "s:26379"},
		{"REDIS_SENTINEL_MASTER", "redis.sentinel_master", "mymaster"},
		{"REDIS_SENTINEL_PASSWORD", "redis.sentinel_password", "spw"},
		{"REDIS_MODE", "redis.mode", "embedded"},
		{"REDIS_EMBEDDED_ADDR", "redis.embedded_addr", ":7000"},
		{"REDIS_DIAL_TIMEOUT", "redis.dial_timeout", "1s"},
		{"REDIS_READ_TIMEOUT", "redis.read_timeout", "2s"},
		{"REDIS_WRITE_TIMEOUT", "redis.write_timeout", "4s"},
		{"REDIS_POOL_SIZE", "redis.pool_size", "20"},
	}
	for _, tt := range tests {
		c := newTest(map[string]string{tt.env: tt.val}, "")
		if got := c.GetString(tt.key); got != tt.val {
			t.Errorf("%s=%q: GetString(%q) = %q", tt.env, tt.val, tt.key, got)
		}
		if !c.IsSet(tt.key) {
			t.Errorf("%s: IsSet(%q) = false", tt.env, tt.key)
		}
		if EnvName(tt.key) != tt.env {
			t.Errorf("EnvName(%q) = %q, want %q", tt.key, EnvName(tt.key), tt.env)
		}
	}
	if len(tests) != len(knownKeys) {
		t.Errorf("%d env vars tested, %d known keys", len(tests), len(knownKeys))
	}
}

func TestPrecedence(t *testing.T) {
	t.Parallel()
	doc := "log:\n  level: warn\n  format: text\napp:\n  port: 9000\n"
	tests := []struct {
		name string
		env  map[string]string
		doc  string
		set  map[string]any
		key  string
		want string
	}{
		{"default", nil, "", nil, "redis.read_timeout", "3s"},
		{"no default", nil, "", nil, "app.port", ""},
		{"file over default", nil, doc, nil, "log.level", "warn"},
		{"env over file", map[string]string{"LOG_LEVEL": "debug"}, doc, nil, "log.level", "debug"},
		{"empty env is unset", map[string]string{"LOG_LEVEL": ""}, doc, nil, "log.level", "warn"},
		{"Set over env", map[string]string{"LOG_LEVEL": "debug"}, doc, map[string]any{"log.level": "error"}, "log.level", "error"},
		{"Set empty is unset", map[string]string{"LOG_LEVEL": "debug"}, doc, map[string]any{"log.level": ""}, "log.level", "debug"},
		{"file int over default", nil, doc, nil, "app.port", "9000"},
		{"env int over file", map[string]string{"APP_PORT": "7000"}, doc, nil, "app.port", "7000"},
		{"untouched key from file", map[string]string{"LOG_LEVEL": "debug"}, doc, nil, "log.format", "text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newTest(tt.env, tt.doc)
			for k, v := range tt.set {
				c.Set(k, v)
			}
			if got := c.GetString(tt.key); got != tt.want {
				t.Errorf("GetString(%q) = %q, want %q", tt.key, got, tt.want)
			}
		})
	}
}

func TestTypedGetters(t *testing.T) {
	t.Parallel()
	tests := []struct {
		val     string
		wantInt int
		intErr  bool
		wantB   bool
		boolErr bool
		wantD   time.Duration
		durErr  bool
	}{
		{val: "5", wantInt: 5, wantB: false, boolErr: true, durErr: true},
		{val: " 42 ", wantInt: 42, boolErr: true, durErr: true}, // a duration needs a unit
		{val: "-3", wantInt: -3, boolErr: true, durErr: true},
		{val: "1", wantInt: 1, wantB: true, durErr: true},
		{val: " 42s ", intErr: true, boolErr: true, wantD: 42 * time.Second},
		{val: "0", wantInt: 0, wantB: false, wantD: 0},
		{val: "true", intErr: true, wantB: true, durErr: true},
		{val: "YES", intErr: true, wantB: true, durErr: true},
		{val: "off", intErr: true, wantB: false, durErr: true},
		{val: "1m30s", intErr: true, boolErr: true, wantD: 90 * time.Second},
		{val: "250ms", intErr: true, boolErr: true, wantD: 250 * time.Millisecond},
		{val: "abc", intErr: true, boolErr: true, durErr: true},
		{val: "1.5", intErr: true, boolErr: true, durErr: true},
		{val: "99999999999999", wantInt: 99999999999999, boolErr: true, durErr: true},
	}
	for _, tt := range tests {
		c := NewFromMap(map[string]any{"x": tt.val})
		n, err := c.GetIntE("x")
		if n != tt.wantInt || (err != nil) != tt.intErr {
			t.Errorf("GetIntE(%q) = %d, %v", tt.val, n, err)
		}
		b, err := c.GetBoolE("x")
		if b != tt.wantB || (err != nil) != tt.boolErr {
			t.Errorf("GetBoolE(%q) = %v, %v", tt.val, b, err)
		}
		d, err := c.GetDurationE("x")
		if d != tt.wantD || (err != nil) != tt.durErr {
			t.Errorf("GetDurationE(%q) = %v, %v", tt.val, d, err)
		}
		// The E getters do not record; the plain ones do.
		if err := c.Validate(); err != nil {
			t.Errorf("%q: E getters recorded %v", tt.val, err)
		}
		if c.GetInt("x") != tt.wantInt || c.GetBool("x") != tt.wantB || c.GetDuration("x") != tt.wantD {
			t.Errorf("%q: plain getters disagree with E getters", tt.val)
		}
		if got := c.Validate() != nil; got != (tt.intErr || tt.boolErr || tt.durErr) {
			t.Errorf("%q: Validate() error = %v", tt.val, got)
		}
	}
}

func TestBadValueFallsBackToDefault(t *testing.T) {
	t.Parallel()
	c := newTest(map[string]string{"REDIS_PORT": "abc", "REDIS_DIAL_TIMEOUT": "soon", "X_N": "x"}, "")
	if got := c.GetInt("redis.port"); got != 6379 {
		t.Errorf("redis.port = %d, want the default 6379", got)
	}
	if got := c.GetDuration("redis.dial_timeout"); got != 5*time.Second {
		t.Errorf("redis.dial_timeout = %v, want the default 5s", got)
	}
	if got := c.GetInt("x.n"); got != 0 {
		t.Errorf("x.n = %d, want 0", got)
	}
	n, err := c.GetIntE("redis.port")
	if n != 6379 || err == nil {
		t.Errorf("GetIntE = %d, %v", n, err)
	}
	var ve *ValueError
	if !errors.As(err, &ve) || ve.Key != "redis.port" || ve.Source != "REDIS_PORT" || ve.Value != "abc" {
		t.Errorf("error = %#v", err)
	}
	if !errors.Is(err, errNotInt) {
		t.Error("ValueError does not unwrap to its reason")
	}
	// A getter's error on a key Validate does not know is still reported.
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), `config: X_N="x": not a valid integer`) {
		t.Errorf("Validate() = %v", err)
	}
}

func TestStringSlice(t *testing.T) {
	t.Parallel()
	tests := []struct {
		env  string
		doc  string
		want []string
	}{
		{env: "a,b,c", want: []string{"a", "b", "c"}},
		{env: " a , ,b,, ", want: []string{"a", "b"}},
		{env: " , ", want: nil},
		{doc: "worker:\n  topics: [a, 'b,c', ~, d]\n", want: []string{"a", "b,c", "d"}},
		{doc: "worker:\n  topics:\n    - x\n    - y\n", want: []string{"x", "y"}},
		{doc: "worker:\n  topics: []\n", want: []string{}},
		{doc: "worker:\n  topics: x, y\n", want: []string{"x", "y"}},
		{env: "e", doc: "worker:\n  topics: [f]\n", want: []string{"e"}},
	}
	for _, tt := range tests {
		env := map[string]string{}
		if tt.env != "" {
			env["WORKER_TOPICS"] = tt.env
		}
		c := newTest(env, tt.doc)
		got := c.GetStringSlice("worker.topics")
		if !slices.Equal(got, tt.want) || (got == nil) != (tt.want == nil) {
			t.Errorf("env %q doc %q: got %#v, want %#v", tt.env, tt.doc, got, tt.want)
		}
	}
	// The caller owns the slice it gets.
	c := NewFromMap(map[string]any{"l": []string{"a"}})
	c.GetStringSlice("l")[0] = "changed"
	if c.GetStringSlice("l")[0] != "a" {
		t.Error("GetStringSlice returned shared storage")
	}
}

func TestNewFromMapAndSet(t *testing.T) {
	t.Parallel()
	c := NewFromMap(map[string]any{
		"redis": map[string]any{
			"Host":         "h",
			"dial-timeout": 2 * time.Second,
			"port":         6390,
			"tls":          true,
		},
		"worker.topics": []any{"a", 1},
		"nil":           nil,
	})
	if c.GetString("redis.host") != "h" || c.GetDuration("redis.dial_timeout") != 2*time.Second ||
		c.GetInt("redis.port") != 6390 || !c.GetBool("redis.tls") {
		t.Errorf("NewFromMap values: %v", c.Redacted())
	}
	if got := c.GetStringSlice("worker.topics"); !slices.Equal(got, []string{"a", "1"}) {
		t.Errorf("topics = %q", got)
	}
	if c.IsSet("nil") {
		t.Error("nil value is set")
	}

	c.Set("redis", map[string]any{"host": "h2", "db": 3})
	c.Set("log.level", "debug")
	if c.GetString("redis.host") != "h2" || c.GetInt("redis.db") != 3 || c.GetString("log.level") != "debug" {
		t.Errorf("Set values: %v", c.Redacted())
	}
	c.Set("redis.host", nil)
	if got := c.GetString("redis.host"); got != "h" {
		t.Errorf("after Set(nil) redis.host = %q, want the map's h", got)
	}

	// Set clears an error recorded for the old value.
	c.Set("app.port", "abc")
	c.GetInt("app.port")
	if c.Validate() == nil {
		t.Fatal("bad app.port not reported")
	}
	c.Set("app.port", 8080)
	c.GetInt("app.port")
	if err := c.Validate(); err != nil {
		t.Errorf("after fixing app.port: %v", err)
	}
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	c := newTest(map[string]string{"REDIS_PORT": "bad"}, "app:\n  port: 1\n")
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 100 {
				c.Set(fmt.Sprintf("k%d", i), j)
				c.GetInt("redis.port")
				c.GetRedisConfig()
				_ = c.Redacted()
				_ = c.Validate()
			}
		})
	}
	wg.Wait()
}

// New reads the real environment and files; these tests cannot be parallel.
func TestNewFromEnvironmentAndFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "custom.yaml")
	if err := os.WriteFile(path, []byte("redis:\n  host: from-file\n  port: 6390\nlog:\n  level: warn\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CONFIG_FILE", path)
	t.Setenv("REDIS_PORT", "6391")
	t.Setenv("LOG_LEVEL", "")

	c := New()
	rc := c.GetRedisConfig()
	if rc.Host != "from-file" || rc.Port != 6391 || !rc.Configured {
		t.Errorf("GetRedisConfig() = %v", rc)
	}
	if got := c.GetString("log.level"); got != "warn" {
		t.Errorf("log.level = %q", got)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("Validate() = %v", err)
	}
}

func TestNewDefaultFile(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("CONFIG_FILE", "")
	t.Setenv("APP_PORT", "")

	if c := New(); c.IsSet("app.port") || c.Validate() != nil {
		t.Errorf("without config.yaml: port %d, err %v", c.GetInt("app.port"), c.Validate())
	}
	if err := os.WriteFile(DefaultFile, []byte("app:\n  port: 9100\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := New().GetInt("app.port"); got != 9100 {
		t.Errorf("with ./config.yaml: app.port = %d", got)
	}
}

func TestNewMissingConfigFile(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope.yaml")
	t.Setenv("CONFIG_FILE", missing)
	err := New().Validate()
	want := fmt.Sprintf("config: CONFIG_FILE=%q: open %s: no such file or directory", missing, missing)
	if err == nil || err.Error() != want {
		t.Errorf("Validate() = %v, want %s", err, want)
	}
}

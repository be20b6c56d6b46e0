package config

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestYAML(t *testing.T) {
	t.Parallel()
	doc := `
app:
  port: 9000
log: {level: DEBUG, format: text}
redis.host: dotted-at-root
Redis:
  Dial-Timeout: 7s
  password: "s3cret"
  db: 012
  tls: yes
  port: ~
  nested:
    deeper:
      key: v
  objects:
    - name: a
shutdown:
  timeout: 30
empty:
`
	c := newTest(nil, doc)
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate() = %v", err)
	}
	for key, want := range map[string]string{
		"app.port":                "9000",
		"log.level":               "DEBUG",
		"log.format":              "text",
		"redis.host":              "dotted-at-root",
		"redis.dial_timeout":      "7s",
		"redis.dial-timeout":      "7s",
		"REDIS.DIAL_TIMEOUT":      "7s",
		"redis.password":          "s3cret",
		"redis.db":                "012", // text as written
		"redis.tls":               "yes",
		"redis.port":              "6379", // null means unset: the default shows
		"redis.nested.deeper.key": "v",
		"redis.objects":           `[{"name":"a"}]`, // a list of mappings is its JSON text
		"empty":                   "",
		"shutdown.timeout":        "30",
	} {
		if got := c.GetString(key); got != want {
			t.Errorf("GetString(%q) = %q, want %q", key, got, want)
		}
	}
	if got, err := c.GetDurationE("shutdown.timeout"); err == nil || !strings.Contains(err.Error(), "a duration needs a unit, e.g. 5s") {
		t.Errorf("shutdown.timeout = %s, %v; want refused without a unit", got, err)
	}
	if !c.GetBool("redis.tls") || c.GetInt("redis.db") != 12 {
		t.Error("typed values from YAML")
	}
}

func TestYAMLListOfMappingsIsRedactedWhole(t *testing.T) {
	t.Parallel()
	c := newTest(nil, `
dispatch:
  routes:
    - topic: orders.created
      url: http://orders/hook
      signing_secrets: [whsec_c2VjcmV0]
      headers: {Authorization: Bearer abc}
`)
	if got, want := c.GetString("dispatch.routes"), `[{"headers":{"Authorization":"Bearer abc"},"signing_secrets":["whsec_c2VjcmV0"],"topic":"orders.created","url":"http://orders/hook"}]`; got != want {
		t.Errorf("dispatch.routes = %s, want %s", got, want)
	}
	if got := c.Redacted()["dispatch.routes"]; got != redactedMark {
		t.Errorf("Redacted dispatch.routes = %v", got)
	}
}

func TestYAMLAnchorsAndMerge(t *testing.T) {
	t.Parallel()
	doc := `
base: &base
  host: base-host
  port: 1111
  db: 1
other: &other
  db: 2
  username: u
redis:
  <<: [*base, *other]
  port: 2222
log:
  level: &lvl warn
  format: text
copy:
  level: *lvl
`
	c := newTest(nil, doc)
	for key, want := range map[string]string{
		"redis.host":     "base-host",
		"redis.port":     "2222", // own key wins over the merge
		"redis.db":       "1",    // earlier merge wins
		"redis.username": "u",
		"copy.level":     "warn",
	} {
		if got := c.GetString(key); got != want {
			t.Errorf("GetString(%q) = %q, want %q", key, got, want)
		}
	}
}

func TestYAMLLoadErrors(t *testing.T) {
	t.Parallel()
	// Each level is a mapping of ten aliases to the level below: 10^6
	// leaves from a few hundred bytes.
	laughs := "a: &a {k0: x, k1: x, k2: x, k3: x, k4: x, k5: x, k6: x, k7: x, k8: x, k9: x}\n"
	for _, n := range []string{"b", "c", "d", "e", "f"} {
		prev := string(rune(n[0] - 1))
		var ks []string
		for i := range 10 {
			ks = append(ks, fmt.Sprintf("k%d: *%s", i, prev))
		}
		laughs += n + ": &" + n + " {" + strings.Join(ks, ", ") + "}\n"
	}
	deep := strings.Repeat("{a: ", 40) + "1" + strings.Repeat("}", 40)

	tests := []struct {
		name string
		doc  string
		want string // exact first error
	}{
		{"syntax", "app:\n  port: [1\n", "config: config.yaml: yaml: line 1: did not find expected ',' or ']'"},
		{"tab indent", "app:\n\tport: 1\n", "config: config.yaml: yaml: line 2: found character that cannot start any token"},
		{"scalar root", "just a string\n", "config: config.yaml: " + errNotMap.Error()},
		{"list root", "- a\n- b\n", "config: config.yaml: " + errNotMap.Error()},
		{"too deep", deep, "config: config.yaml: " + errTooDeep.Error()},
		{"alias bomb", laughs, "config: config.yaml: " + errTooLarge.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newTest(map[string]string{"APP_PORT": "1"}, tt.doc)
			errs := errorList(c.Validate())
			if len(errs) == 0 || errs[0].Error() != tt.want {
				t.Fatalf("Validate() = %v\nwant %s", errs, tt.want)
			}
			// Nothing of a bad file is used, but the environment still is.
			if len(c.file) != 0 {
				t.Errorf("partial file kept: %v", c.file)
			}
			if c.GetInt("app.port") != 1 {
				t.Error("environment lost")
			}
		})
	}
}

func TestYAMLEmptyDocuments(t *testing.T) {
	t.Parallel()
	for _, doc := range []string{"\n", "# only a comment\n", "~\n", "---\n", "{}\n"} {
		if err := newTest(nil, doc).Validate(); err != nil {
			t.Errorf("%q: %v", doc, err)
		}
	}
}

func TestUnreadableDefaultFile(t *testing.T) {
	t.Parallel()
	denied := errors.New("permission denied")
	c := load(map[string]string{}, func(string) ([]byte, error) { return nil, denied })
	err := c.Validate()
	if !errors.Is(err, denied) || !strings.HasPrefix(err.Error(), "config: config.yaml: ") {
		t.Errorf("Validate() = %v", err)
	}
}

func TestExplicitConfigFile(t *testing.T) {
	t.Parallel()
	files := fakeFiles(map[string]string{"/etc/gw.yaml": "app: {port: 1234}\n", DefaultFile: "app: {port: 1}\n"})
	c := load(map[string]string{"CONFIG_FILE": "/etc/gw.yaml"}, files)
	if got := c.GetInt("app.port"); got != 1234 {
		t.Errorf("app.port = %d: CONFIG_FILE not preferred over ./config.yaml", got)
	}
	c = load(map[string]string{"CONFIG_FILE": "/missing.yaml"}, files)
	want := `config: CONFIG_FILE="/missing.yaml": open /missing.yaml: file does not exist`
	if err := c.Validate(); err == nil || err.Error() != want {
		t.Errorf("Validate() = %v, want %s", err, want)
	}
	if c.IsSet("app.port") {
		t.Errorf("with a missing CONFIG_FILE app.port = %d, want it unset (no fallback to ./config.yaml)", c.GetInt("app.port"))
	}
}

func TestFileErrorNamesFile(t *testing.T) {
	t.Parallel()
	c := load(map[string]string{"CONFIG_FILE": "/etc/gw.yaml"},
		fakeFiles(map[string]string{"/etc/gw.yaml": "redis:\n  port: abc\n"}))
	want := `config: redis.port (REDIS_PORT)="abc" (from /etc/gw.yaml): not a valid integer`
	if err := c.Validate(); err == nil || err.Error() != want {
		t.Errorf("Validate() = %v, want %s", err, want)
	}
}

// A YAML list or mapping given for a setting that takes one value stops the
// start with an error naming the key; before, [5s] was read as 5s and a
// mapping was ignored for the default.
func TestYAMLScalarRefusesListAndMapping(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ doc, key, want string }{
		{"redis: {port: [6380]}\n", "redis.port", "got a list"},
		{"redis: {port: {x: 6380}}\n", "redis.port", "got a mapping"},
		{"redis: {host: [a, b]}\n", "redis.host", "got a list"},
		{"redis: {host: {a: b}}\n", "redis.host", "got a mapping"},
		{"redis: {read_timeout: [5s]}\n", "redis.read_timeout", "got a list"},
		{"redis: {tls: {on: true}}\n", "redis.tls", "got a mapping"},
		{"redis: {cluster_addrs: {a: 'h:1'}}\n", "redis.cluster_addrs", "got a mapping"},
		{"base: &b {x: 1}\nredis: {url: *b}\n", "redis.url", "got a mapping"},
	} {
		c := newTest(nil, tc.doc)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.key) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: Validate = %v, want an error naming %s: %s", tc.doc, err, tc.key, tc.want)
		}
	}
	// The getters refuse them too, for keys this package does not know.
	c := newTest(nil, "app: {port: {x: 3}, wait: [5s], on: [true], name: [a]}\n")
	if _, err := c.GetIntE("app.port"); err == nil || !strings.Contains(err.Error(), "app.port") {
		t.Errorf("GetIntE of a mapping = %v, want an error naming app.port", err)
	}
	if _, err := c.GetDurationE("app.wait"); err == nil || !strings.Contains(err.Error(), "got a list") {
		t.Errorf("GetDurationE of a list = %v", err)
	}
	if _, err := c.GetBoolE("app.on"); err == nil {
		t.Error("GetBoolE of a list: no error")
	}
	if _, err := c.GetStringE("app.name"); err == nil {
		t.Error("GetStringE of a list: no error")
	}
	if v, err := (Int{Key: "app.port", Default: 1, Min: 1, Max: 9}).Get(c); err == nil || v != 1 {
		t.Errorf("Int.Get of a mapping = %d, %v; want the default and an error", v, err)
	}
	// The environment still wins over a bad file value, and a list key
	// takes its list.
	c = newTest(map[string]string{"REDIS_PORT": "6380"}, "redis: {port: [1], cluster_addrs: ['h:1', 'h:2']}\n")
	if err := c.Validate(); err != nil {
		t.Errorf("Validate = %v, want nil", err)
	}
}

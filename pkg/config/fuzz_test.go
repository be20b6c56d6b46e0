package config

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// FuzzParseURL: ParseURL must never panic, must return sane values when it
// succeeds, and must not leak the password through Redacted or String.
func FuzzParseURL(f *testing.F) {
	for _, s := range []string{
		"redis://localhost:6379/0",
		"rediss://user:pw@h:6380/2?dial_timeout=5s&pool_size=10",
		"redis://:p%40ss@[::1]:7000",
		"redis://h?read_timeout=3&write_timeout=500ms",
		"http://h",
		"redis:opaque",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		rc, err := ParseURL(raw)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "config: redis URL ") {
				t.Errorf("error without context: %v", err)
			}
			return
		}
		if rc.Host == "" || rc.Port < 1 || rc.Port > 65535 || rc.DB < 0 || rc.PoolSize < 0 ||
			rc.DialTimeout < 0 || rc.ReadTimeout < 0 || rc.WriteTimeout < 0 || !rc.Configured {
			t.Errorf("ParseURL(%q) = %+v", raw, plainRedisConfig(rc))
		}
		red := rc.Redacted()
		if rc.Password != "" && red.Password != redactedMark {
			t.Errorf("Redacted().Password = %q", red.Password)
		}
		// The redacted URL, parsed again, must only have the mask as password.
		if rr, err := parseRedisURL(red.URL); err == nil && rc.Password != "" && rr.Password != redactedMark {
			t.Errorf("redacted URL %q still has password %q", red.URL, rr.Password)
		}
		_ = rc.String()
	})
}

// FuzzParseURLHidesPassword puts a known password in the userinfo of any
// URL-ish text: whatever is wrong with the rest, the error never shows it.
func FuzzParseURLHidesPassword(f *testing.F) {
	for _, s := range [][3]string{
		{"redis", "user", "h:6379/0"},
		{"rediss", "", "h:abc"},
		{"redis", "u", "h/x"},
		{"redis", "u/x", "h"},
		{"http", "u", "h"},
		{"redis", "u", "h:1%"},
		{"redis", "u", "h?dial_timeout=x"},
		{"redis", "u", "h?nope=1"},
		{"redis", "u", "[::1"},
		{"redis", "u%zz", "h"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	const secret = "Fuzz-Secret-Pw-31337"
	f.Fuzz(func(t *testing.T, scheme, user, rest string) {
		raw := scheme + "://" + user + ":" + secret + "@" + rest
		if _, err := ParseURL(raw); err != nil && strings.Contains(err.Error(), secret) {
			t.Errorf("ParseURL(%q): error shows the password: %v", raw, err)
		}
	})
}

// FuzzConfigValues feeds a YAML document and one environment value into a
// Config. Nothing may panic, every value error must name its key, and a
// password set in the environment must never show in errors or redacted
// output.
func FuzzConfigValues(f *testing.F) {
	f.Add("redis:\n  host: h\n  port: 6379\n", uint8(0), "abc")
	f.Add("app: {port: 0}\nlog: {level: loud}\n", uint8(7), "redis://u:pw@h:1/x")
	f.Add("a: &a {b: 1}\nc: *a\nd: {<<: *a}\n", uint8(14), "a:1,b")
	f.Add("redis:\n  cluster_addrs: [x, 'y:1']\n", uint8(15), "s:1")
	f.Add("- not a map\n", uint8(20), "-5s")
	f.Add("{", uint8(1), "")
	f.Add("redis: {read_timeout: [5s], port: {a: 1}}\n", uint8(3), "")
	f.Add("redis:\n  db: &x {y: [1]}\n  host: *x\n", uint8(2), "h")

	const secret = "Fuzz-Secret-Pw-31337"
	f.Fuzz(func(t *testing.T, doc string, keyIndex uint8, envValue string) {
		key := knownKeys[int(keyIndex)%len(knownKeys)]
		env := map[string]string{EnvName(key): envValue}
		if key != "redis.password" {
			env["REDIS_PASSWORD"] = secret
		}
		c := newTest(env, doc)

		for _, k := range knownKeys {
			c.GetString(k)
			c.GetStringSlice(k)
			c.GetInt(k)
			c.GetBool(k)
			c.GetDuration(k)
		}
		for k := range c.file {
			c.GetInt(k)
		}
		rc := c.GetRedisConfig()
		redacted := c.Redacted()
		err := c.Validate()

		// A list or mapping for a one-value key the environment does not
		// override is refused, naming the key.
		for _, k := range knownKeys {
			v, src, _ := c.lookup(k)
			if src == c.fileName && (v.mapping || v.list != nil && !slices.Contains(listKeys, k)) &&
				(err == nil || !strings.Contains(err.Error(), k)) {
				t.Errorf("%s is a YAML list or mapping, but Validate = %v", k, err)
			}
		}
		for _, e := range errorList(err) {
			var ve *ValueError
			switch {
			case errors.As(e, &ve):
				if ve.Key == "" || !strings.Contains(e.Error(), ve.Key) && !strings.Contains(e.Error(), EnvName(ve.Key)) {
					t.Errorf("error does not name its key %q: %v", ve.Key, e)
				}
			case !strings.HasPrefix(e.Error(), "config: "):
				t.Errorf("error without context: %v", e)
			}
		}

		if strings.Contains(doc, secret) || strings.Contains(envValue, secret) {
			return
		}
		for _, s := range []string{fmt.Sprint(err), fmt.Sprint(redacted), rc.String(), fmt.Sprintf("%#v", rc)} {
			if strings.Contains(s, secret) {
				t.Errorf("secret leaked: %s", s)
			}
		}
	})
}

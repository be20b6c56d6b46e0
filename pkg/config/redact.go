package config

import (
	"net/url"
	"slices"
	"strings"
)

// redactedMark replaces secrets; it is what url.URL.Redacted uses too.
const redactedMark = "xxxxx"

// isSecretKey reports whether key holds a secret by its last segment's name,
// so a new "*_password" or "*_token" setting is covered without a list to
// keep up to date.
func isSecretKey(key string) bool {
	last := normKey(key)
	if i := strings.LastIndexByte(last, '.'); i >= 0 {
		last = last[i+1:]
	}
	for _, w := range []string{"password", "passwd", "secret", "token", "credential", "apikey", "api_key", "private_key"} {
		if strings.Contains(last, w) {
			return true
		}
	}
	return false
}

// redactValue hides a secret key's value entirely and the password of any
// URL in other values.
func redactValue(key, s string) string {
	if s == "" {
		return s
	}
	if isSecretKey(key) {
		return redactedMark
	}
	return redactURL(s)
}

// redactURL masks the password in a URL such as redis://user:pw@host. A
// string that does not parse but still looks like scheme://userinfo@host has
// its whole userinfo masked, since user and password cannot be told apart.
func redactURL(s string) string {
	if !strings.Contains(s, "@") {
		return s
	}
	if u, err := url.Parse(s); err == nil && u.User != nil {
		if _, has := u.User.Password(); has {
			return u.Redacted()
		}
		// A user and no password is shown as it is, unless another "@"
		// follows: "a://@#:pw@host" parses with an empty user and the
		// password in the fragment.
		if u.User.Username() != "" && strings.Count(s, "@") == 1 {
			return s
		}
	}
	start := strings.Index(s, "://")
	at := strings.LastIndexByte(s, '@')
	if start >= 0 && start+3 <= at {
		return s[:start+3] + redactedMark + s[at:]
	}
	// "redis:user:pw@host", the // forgotten.
	if colon := strings.IndexByte(s, ':'); colon >= 0 && colon < at {
		return s[:colon+1] + redactedMark + s[at:]
	}
	return s
}

// Redacted returns the effective configuration as a flat map from dotted
// key to value (a string, or []string for lists), with passwords, tokens and
// URL passwords masked: safe for a startup log line. It covers the
// well-known keys, every key of the file and every key given to Set; other
// environment variables are not included.
func (c *Config) Redacted() map[string]any {
	keys := slices.Clone(knownKeys)
	for k := range c.file {
		keys = append(keys, k)
	}
	c.mu.Lock()
	for k := range c.set {
		keys = append(keys, k)
	}
	c.mu.Unlock()

	out := make(map[string]any, len(keys))
	for _, k := range keys {
		v, _, ok := c.lookup(k)
		if !ok || v.mapping {
			continue // a mapping's keys are listed on their own
		}
		if v.structured {
			out[k] = redactedMark // may hold secrets under any name
			continue
		}
		if v.list == nil {
			out[k] = redactValue(k, v.text)
			continue
		}
		items := make([]string, len(v.list))
		for i, item := range v.list {
			items[i] = redactValue(k, item)
		}
		out[k] = items
	}
	return out
}

package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

// DefaultFile is the YAML file New reads when CONFIG_FILE is not set. It is
// optional: a missing file is not an error.
const DefaultFile = "config.yaml"

// Source names reported in errors for values that came neither from the
// environment nor from a file.
const (
	sourceSet     = "Set"
	sourceDefault = "default"
	sourceMap     = "map"
)

// DefaultRedisAddr is where a local Redis is looked for and where the
// embedded server listens (redis.embedded_addr) when nothing says otherwise.
const DefaultRedisAddr = "127.0.0.1:6379"

// defaults are the values a key has when no source sets it. They are text,
// like every other source, so one parser serves all. Only the redis.* keys
// have defaults here; programs declare their own keys and defaults (see
// Number).
var defaults = map[string]string{
	redisPort.Key:         redisPort.defaultText(),
	"redis.embedded_addr": DefaultRedisAddr,
	redisDialTimeout.Key:  redisDialTimeout.defaultText(),
	redisReadTimeout.Key:  redisReadTimeout.defaultText(),
	redisWriteTimeout.Key: redisWriteTimeout.defaultText(),
}

// Config is the service configuration: values from Set, the environment, a
// YAML file and built-in defaults, in that order of precedence. It is safe
// for concurrent use.
type Config struct {
	env      map[string]string // snapshot of the environment, taken once
	file     map[string]value  // flattened YAML document
	fileName string            // where file came from, for error messages
	loadErr  error             // unreadable or unparsable file

	mu   sync.Mutex
	set  map[string]value
	errs map[string]error // bad values met by getters, reported by Validate
}

// value is one setting as a source holds it. Everything is text, as in the
// environment; a YAML sequence also keeps its items so that an item may
// contain a comma.
type value struct {
	text       string
	list       []string // non-nil only for sequences
	structured bool     // a list of mappings, as JSON text: redacted whole
	mapping    bool     // a mapping: its keys are stored below this one
}

var (
	errList    = errors.New("want a single value, got a list")
	errMapping = errors.New("want a single value, got a mapping (key: value pairs)")
)

// scalar returns why v cannot be the value of a setting that takes one
// value, or nil: a YAML list or mapping given for it is refused rather
// than joined or ignored.
func (v value) scalar() error {
	switch {
	case v.mapping:
		return errMapping
	case v.list != nil:
		return errList
	}
	return nil
}

// given reports whether a source sets v: a non-empty value, or a mapping
// (which a scalar getter refuses).
func (v value) given() bool { return !v.empty() || v.mapping }

func listValue(items []string) value {
	if items == nil {
		items = []string{}
	}
	return value{text: strings.Join(items, ","), list: items}
}

// New loads the configuration from the environment and, if present, a YAML
// file: the one named by CONFIG_FILE, else ./config.yaml. It never fails: a
// missing CONFIG_FILE, a YAML syntax error or a bad value is recorded and
// returned by Validate, and getters fall back to defaults meanwhile.
func New() *Config {
	return load(environ(), os.ReadFile)
}

// NewFromMap returns a Config holding only values, as if they came from a
// YAML file, without reading the environment or any file. Keys may be
// nested maps (map[string]any) or dotted ("redis.host"); values may be
// strings, numbers, booleans, durations or slices. Handy in tests.
func NewFromMap(values map[string]any) *Config {
	c := &Config{env: map[string]string{}, file: map[string]value{}, fileName: sourceMap}
	flattenAny(c.file, "", values)
	return c
}

func environ() map[string]string {
	env := make(map[string]string)
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	return env
}

// load is New with its inputs injected, so tests can run in parallel without
// touching the process environment or working directory.
func load(env map[string]string, readFile func(string) ([]byte, error)) *Config {
	c := &Config{env: env, file: map[string]value{}}
	path, explicit := env["CONFIG_FILE"], true
	if path == "" {
		path, explicit = DefaultFile, false
	}
	data, err := readFile(path)
	switch {
	case err == nil:
		c.loadYAML(path, data)
	case !explicit && errors.Is(err, fs.ErrNotExist):
		// The default file is optional.
	case explicit:
		c.loadErr = fmt.Errorf("config: CONFIG_FILE=%q: %w", path, err)
	default:
		c.loadErr = fmt.Errorf("config: %s: %w", path, err)
	}
	return c
}

// EnvName returns the environment variable that sets key: upper case, with
// every byte other than a letter, digit or underscore turned into an
// underscore ("redis.dial-timeout" -> "REDIS_DIAL_TIMEOUT"; a key holding a
// topic "a:b" -> "..._A_B_..."), so that every name is a valid variable
// name (Kubernetes refuses ':' and '-' in them).
func EnvName(key string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_':
			return r
		}
		return '_'
	}, normKey(key))
}

// SameKey reports whether two keys name the same setting ("Redis.Dial-Timeout"
// and "redis.dial_timeout" do).
func SameKey(a, b string) bool { return normKey(a) == normKey(b) }

// normKey makes "Redis.Dial-Timeout" and "redis.dial_timeout" the same key,
// so YAML files may use either spelling.
func normKey(key string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimSpace(key)), "-", "_")
}

// lookup finds key's effective value and says where it came from: "Set",
// the environment variable name, the file name or "default". An empty value
// counts as unset in every source, so an empty REDIS_HOST= in a compose file
// does not hide the YAML file or the default.
func (c *Config) lookup(key string) (v value, source string, ok bool) {
	key = normKey(key)
	c.mu.Lock()
	v, ok = c.set[key]
	c.mu.Unlock()
	if ok && v.given() {
		return v, sourceSet, true
	}
	name := EnvName(key)
	if s := c.env[name]; s != "" {
		return value{text: s}, name, true
	}
	if v, ok := c.file[key]; ok && v.given() {
		return v, c.fileName, true
	}
	if d, ok := defaults[key]; ok {
		return value{text: d}, sourceDefault, true
	}
	return value{}, "", false
}

func (v value) empty() bool { return v.text == "" && v.list == nil }

// IsSet reports whether key was given explicitly, by Set, the environment or
// the file, rather than coming from a default.
func (c *Config) IsSet(key string) bool {
	_, src, ok := c.lookup(key)
	return ok && src != sourceDefault
}

// Set overrides key for the life of c, above every other source. v may be
// anything NewFromMap accepts; a map sets the keys below key. A nil v
// removes an earlier override, and so does "" (empty means unset).
func (c *Config) Set(key string, v any) {
	key = normKey(key)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.set == nil {
		c.set = map[string]value{}
	}
	if v == nil {
		delete(c.set, key)
	} else {
		flattenAny(c.set, key, v)
	}
	// A stale error for a value that no longer applies would mislead Validate.
	for k := range c.errs {
		if k == key || strings.HasPrefix(k, key+".") {
			delete(c.errs, k)
		}
	}
}

// flattenAny stores v under key in dst, descending into maps.
func flattenAny(dst map[string]value, key string, v any) {
	switch v := v.(type) {
	case nil:
	case map[string]any:
		if key != "" {
			dst[key] = value{mapping: true}
		}
		for k, sub := range v {
			flattenAny(dst, joinKey(key, normKey(k)), sub)
		}
	case string:
		dst[key] = value{text: v}
	case []string:
		dst[key] = listValue(slices.Clone(v))
	case []any:
		items := make([]string, len(v))
		for i, item := range v {
			items[i] = fmt.Sprint(item)
		}
		dst[key] = listValue(items)
	case time.Duration:
		dst[key] = value{text: v.String()}
	default:
		dst[key] = value{text: fmt.Sprint(v)}
	}
}

func joinKey(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

// GetString returns key's value, or "" when it is not set. A YAML list comes
// back joined with commas, a mapping as "".
func (c *Config) GetString(key string) string {
	v, _, _ := c.lookup(key)
	return v.text
}

// GetStringE is GetString for a setting that takes one value: a YAML list
// or mapping gives "" and a *ValueError naming the key.
func (c *Config) GetStringE(key string) (string, error) {
	v, src, ok := c.lookup(key)
	if !ok {
		return "", nil
	}
	if err := v.scalar(); err != nil {
		return "", c.valueError(key, src, v, err)
	}
	return v.text, nil
}

// GetStringSlice returns a YAML list as is, or splits a string on commas,
// trimming spaces and dropping empty items. It returns nil when key is not
// set.
func (c *Config) GetStringSlice(key string) []string {
	v, _, ok := c.lookup(key)
	if !ok {
		return nil
	}
	if v.list != nil {
		return slices.Clone(v.list)
	}
	return splitList(v.text)
}

// GetInt returns key as an integer. A bad value (a YAML list or mapping
// too) gives the key's default (or 0) and is recorded for Validate.
func (c *Config) GetInt(key string) int { return must(c, key, parseInt) }

// GetBool returns key as a boolean (true/false, 1/0, yes/no, on/off, t/f,
// y/n, any case). A bad value gives the default (or false) and is recorded
// for Validate.
func (c *Config) GetBool(key string) bool { return must(c, key, parseBool) }

// GetDuration returns key as a duration in Go syntax ("1m30s"); a bare
// number other than 0 ("30") is refused, as it needs a unit. A bad value gives the default (or 0) and is
// recorded for Validate.
func (c *Config) GetDuration(key string) time.Duration { return must(c, key, parseDuration) }

// GetIntE is GetInt for callers that handle the error themselves: the error,
// a *ValueError, is returned instead of recorded.
func (c *Config) GetIntE(key string) (int, error) { return get(c, key, parseInt) }

// GetBoolE is GetBool returning the error instead of recording it.
func (c *Config) GetBoolE(key string) (bool, error) { return get(c, key, parseBool) }

// GetDurationE is GetDuration returning the error instead of recording it.
func (c *Config) GetDurationE(key string) (time.Duration, error) {
	return get(c, key, parseDuration)
}

// get parses key's value; on failure it returns the parsed default (or the
// zero value) together with a *ValueError.
func get[T any](c *Config, key string, parse func(string) (T, error)) (T, error) {
	var zero T
	v, src, ok := c.lookup(key)
	if !ok {
		return zero, nil
	}
	err := v.scalar()
	if err == nil {
		var t T
		if t, err = parse(v.text); err == nil {
			return t, nil
		}
	}
	if d, ok := defaults[normKey(key)]; ok {
		if t, derr := parse(d); derr == nil {
			zero = t
		}
	}
	return zero, c.valueError(key, src, v, err)
}

func must[T any](c *Config, key string, parse func(string) (T, error)) T {
	t, err := get(c, key, parse)
	if err != nil {
		c.record(key, err)
	}
	return t
}

func (c *Config) record(key string, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.errs == nil {
		c.errs = map[string]error{}
	}
	c.errs[normKey(key)] = err
}

func (c *Config) valueError(key, source string, v value, reason error) *ValueError {
	key = normKey(key)
	return &ValueError{Key: key, Source: source, Value: redactValue(key, v.text), Err: reason}
}

// NamesUnder returns what sets a key below prefix, for programs whose keys
// embed a name (worker.topic_options.<topic>.<option>) and that must catch
// a misspelled one: each environment variable named EnvName(prefix)+"_…"
// with a value, and each dotted key below prefix from Set or the file.
// Sorted; empty values count as unset, as everywhere.
func (c *Config) NamesUnder(prefix string) []string {
	prefix = normKey(prefix)
	var names []string
	envPrefix := EnvName(prefix) + "_"
	for name, v := range c.env {
		if strings.HasPrefix(name, envPrefix) && v != "" {
			names = append(names, name)
		}
	}
	add := func(m map[string]value) {
		for k, v := range m {
			if strings.HasPrefix(k, prefix+".") && !v.empty() {
				names = append(names, k)
			}
		}
	}
	add(c.file)
	c.mu.Lock()
	add(c.set)
	c.mu.Unlock()
	slices.Sort(names)
	return slices.Compact(names)
}

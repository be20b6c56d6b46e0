package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestValidateBadValues(t *testing.T) {
	t.Parallel()
	tests := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"REDIS_PORT": "abc"}, `config: REDIS_PORT="abc": not a valid integer`},
		{map[string]string{"REDIS_PORT": "-1"}, `config: REDIS_PORT="-1": out of range: want 1..65535`},
		{map[string]string{"REDIS_DB": "-1"}, `config: REDIS_DB="-1": out of range: want 0..65535`},
		{map[string]string{"REDIS_DB": "one"}, `config: REDIS_DB="one": not a valid integer`},
		{map[string]string{"REDIS_POOL_SIZE": "-5"}, `config: REDIS_POOL_SIZE="-5": out of range: want 0..10000`},
		{map[string]string{"REDIS_POOL_SIZE": "many"}, `config: REDIS_POOL_SIZE="many": not a valid integer`},
		{map[string]string{"REDIS_DIAL_TIMEOUT": "5x"}, `config: REDIS_DIAL_TIMEOUT="5x": not a valid duration (want Go syntax like 5s or 1m30s)`},
		{map[string]string{"REDIS_READ_TIMEOUT": "-1s"}, `config: REDIS_READ_TIMEOUT="-1s": out of range: want 0s..10m0s`},
		{map[string]string{"REDIS_WRITE_TIMEOUT": "99999999999"}, `config: REDIS_WRITE_TIMEOUT="99999999999": a duration needs a unit, e.g. 5s`},
		{map[string]string{"REDIS_DIAL_TIMEOUT": "5"}, `config: REDIS_DIAL_TIMEOUT="5": a duration needs a unit, e.g. 5s`},
		{map[string]string{"REDIS_READ_TIMEOUT": "1.5"}, `config: REDIS_READ_TIMEOUT="1.5": a duration needs a unit, e.g. 5s`},
		{map[string]string{"REDIS_TLS": "maybe"}, `config: REDIS_TLS="maybe": not a valid boolean (want true/false, yes/no, on/off or 1/0)`},
		{map[string]string{"REDIS_TLS_INSECURE": "2"}, `config: REDIS_TLS_INSECURE="2": not a valid boolean (want true/false, yes/no, on/off or 1/0)`},
		{map[string]string{"REDIS_MODE": "cluster"}, `config: REDIS_MODE="cluster": not a valid mode (want "", "auto" or "embedded")`},
		{map[string]string{"REDIS_EMBEDDED_ADDR": "localhost"}, `config: REDIS_EMBEDDED_ADDR="localhost": not a host:port address: "localhost"`},
		{map[string]string{"REDIS_EMBEDDED_ADDR": ":0"}, `config: REDIS_EMBEDDED_ADDR=":0": bad port in ":0" (want 1..65535)`},
		{map[string]string{"REDIS_CLUSTER_ADDRS": "a:1,b"}, `config: REDIS_CLUSTER_ADDRS="a:1,b": not a host:port address: "b"`},
		{map[string]string{"REDIS_CLUSTER_ADDRS": ":7000"}, `config: REDIS_CLUSTER_ADDRS=":7000": missing host in ":7000"`},
		{map[string]string{"REDIS_CLUSTER_ADDRS": "a:70000"}, `config: REDIS_CLUSTER_ADDRS="a:70000": bad port in "a:70000" (want 1..65535)`},
		{map[string]string{"REDIS_SENTINEL_ADDRS": "s:26379"}, `config: redis.sentinel_master (REDIS_SENTINEL_MASTER): required when REDIS_SENTINEL_ADDRS is set`},
		{map[string]string{"REDIS_SENTINEL_ADDRS": "s", "REDIS_SENTINEL_MASTER": "m"}, `config: REDIS_SENTINEL_ADDRS="s": not a host:port address: "s"`},
		{map[string]string{"REDIS_SENTINEL_ADDRS": "s:1", "REDIS_SENTINEL_MASTER": "m", "REDIS_CLUSTER_ADDRS": "c:1"}, `config: REDIS_SENTINEL_ADDRS="s:1": cannot be combined with REDIS_CLUSTER_ADDRS`},
		{map[string]string{"REDIS_URL": "http://h:1"}, `config: REDIS_URL="http://h:1": invalid URL scheme: http`},
		{map[string]string{"REDIS_URL": "redis://h:0"}, `config: REDIS_URL="redis://h:0": port 0: out of range: want 1..65535`},
		{map[string]string{"REDIS_URL": "redis://h/x"}, `config: REDIS_URL="redis://h/x": invalid database number: "x"`},
		{map[string]string{"REDIS_URL": "redis://h?dial_timeout=x"}, `config: REDIS_URL="redis://h?dial_timeout=x": invalid dial_timeout duration: time: invalid duration "x"`},
		{map[string]string{"REDIS_POOL_SIZE": "1000000000"}, `config: REDIS_POOL_SIZE="1000000000": out of range: want 0..10000`},
		{map[string]string{"REDIS_URL": "redis://h?pool_size=1000000000"}, `config: REDIS_URL="redis://h?pool_size=1000000000": pool_size="1000000000": out of range: want 0..10000`},
		{map[string]string{"REDIS_URL": "redis://h?min_idle_conns=1000000"}, `config: REDIS_URL="redis://h?min_idle_conns=1000000": parameter "min_idle_conns" is not supported (want dial_timeout, read_timeout, write_timeout, pool_size)`},
		{map[string]string{"REDIS_URL": "redis://h/70000"}, `config: REDIS_URL="redis://h/70000": database 70000: out of range: want 0..65535`},
		{map[string]string{"REDIS_URL": "redis://h:6380", "REDIS_HOST": "other"}, `config: REDIS_HOST="other": conflicts with REDIS_URL, which says "h": set one of them`},
		{map[string]string{"REDIS_URL": "redis://h:6380", "REDIS_HOST": "h", "REDIS_PORT": "6379"}, `config: REDIS_PORT="6379": conflicts with REDIS_URL, which says "6380": set one of them`},
		{map[string]string{"REDIS_HOST": "127.0.0.1", "REDIS_PORT": "7701", "REDIS_MODE": "embedded"}, `config: REDIS_MODE="embedded": conflicts with REDIS_HOST, which says "127.0.0.1": set one of them`},
		{map[string]string{"REDIS_URL": "redis://u:secret@h:6380", "REDIS_MODE": "Embedded"}, `config: REDIS_MODE="Embedded": conflicts with REDIS_URL, which says "redis://u:xxxxx@h:6380": set one of them`},
		{map[string]string{"REDIS_TLS_CA_FILE": "/no/such/ca.pem"}, `config: REDIS_TLS_CA_FILE="/no/such/ca.pem": open /no/such/ca.pem: no such file or directory`},
		{map[string]string{"REDIS_TLS_CA_FILE": os.TempDir()}, `config: REDIS_TLS_CA_FILE="` + os.TempDir() + `": is a directory`},
	}
	for _, tt := range tests {
		c := newTest(tt.env, "")
		err := c.Validate()
		if err == nil || err.Error() != tt.want {
			t.Errorf("env %v:\n got %v\nwant %s", tt.env, err, tt.want)
			continue
		}
		var ve *ValueError
		if !errors.As(err, &ve) {
			t.Errorf("env %v: %T is not a *ValueError", tt.env, err)
		}
		// Getters never panic or fail on the same bad values.
		_ = c.GetRedisConfig()
	}
}

func TestValidateGoodValues(t *testing.T) {
	t.Parallel()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, []byte("pem"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"REDIS_PORT":            "6380",
		"REDIS_DB":              "0",
		"REDIS_POOL_SIZE":       "0",
		"REDIS_DIAL_TIMEOUT":    "10s",
		"REDIS_TLS":             "on",
		"REDIS_TLS_INSECURE":    "FALSE",
		"REDIS_TLS_CA_FILE":     ca,
		"REDIS_MODE":            "Auto",
		"REDIS_EMBEDDED_ADDR":   ":6390",
		"REDIS_SENTINEL_ADDRS":  "s1:26379, [::1]:26380",
		"REDIS_SENTINEL_MASTER": "mymaster",
		"REDIS_URL":             "rediss://u:p@h:6380/2?dial_timeout=1s&pool_size=5",
		"REDIS_HOST":            "h", // agrees with the URL
	}
	if err := newTest(env, "").Validate(); err != nil {
		t.Errorf("Validate() = %v", err)
	}
}

func TestValidateReportsEverySource(t *testing.T) {
	t.Parallel()
	doc := "redis:\n  db: -2\n  pool_size: many\n  dial_timeout: loud\n"
	c := newTest(map[string]string{"REDIS_PORT": "abc", "REDIS_DIAL_TIMEOUT": "2s"}, doc)
	c.Set("redis.read_timeout", "later")
	c.GetInt("custom.retries") // unset: no error
	c.Set("custom.workers", "x")
	c.GetInt("custom.workers")

	got := errorList(c.Validate())
	want := []string{
		`config: custom.workers (CUSTOM_WORKERS)="x" (from Set): not a valid integer`,
		`config: redis.db (REDIS_DB)="-2" (from config.yaml): out of range: want 0..65535`,
		`config: redis.pool_size (REDIS_POOL_SIZE)="many" (from config.yaml): not a valid integer`,
		`config: REDIS_PORT="abc": not a valid integer`,
		`config: redis.read_timeout (REDIS_READ_TIMEOUT)="later" (from Set): not a valid duration (want Go syntax like 5s or 1m30s)`,
	}
	if len(got) != len(want) {
		t.Fatalf("got %d errors:\n%v", len(got), got)
	}
	for i := range want {
		if got[i].Error() != want[i] {
			t.Errorf("error %d:\n got %s\nwant %s", i, got[i], want[i])
		}
	}
	// REDIS_DIAL_TIMEOUT=2s in the environment hides the file's bad level.
	for _, e := range got {
		if strings.Contains(e.Error(), "loud") {
			t.Errorf("shadowed file value reported: %v", e)
		}
	}
}

func TestValueErrorFormats(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  ValueError
		want string
	}{
		{ValueError{Key: "redis.port", Source: "REDIS_PORT", Value: "x", Err: errNotInt}, `config: REDIS_PORT="x": not a valid integer`},
		{ValueError{Key: "redis.port", Source: "a.yaml", Value: "x", Err: errNotInt}, `config: redis.port (REDIS_PORT)="x" (from a.yaml): not a valid integer`},
		{ValueError{Key: "redis.sentinel_master", Err: errNoMaster}, `config: redis.sentinel_master (REDIS_SENTINEL_MASTER): required when REDIS_SENTINEL_ADDRS is set`},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("got %s, want %s", got, tt.want)
		}
	}
}

package settings_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"goweb/pkg/config"
	"goweb/services/gateway-worker/internal/settings"
)

// Every numeric setting, pkg/config's and per-topic ones included, has
// bounds: the values just outside are refused with an error naming the
// variable, the bounds themselves are accepted. The table comes from
// settings.Ranges, so a new numeric setting cannot skip it.
func TestEveryNumberIsBounded(t *testing.T) {
	t.Parallel()
	ranges := settings.Ranges("payment.retry")
	for _, r := range ranges {
		t.Run(r.Key, func(t *testing.T) {
			t.Parallel()
			env := config.EnvName(r.Key)
			huge := []string{"1000000000", "-1000000000"}
			if _, err := strconv.Atoi(r.Max); err != nil { // a duration
				huge = []string{"1000000h", "-1000000h"}
				// A bare number is refused: it needs a unit.
				_, err := load(config.NewFromMap(map[string]any{r.Key: "5"}))
				if err == nil || !strings.Contains(err.Error(), env) || !strings.Contains(err.Error(), "a duration needs a unit, e.g. 5s") {
					t.Errorf("%s=5: error %v, want a duration needs a unit", env, err)
				}
			}
			for _, v := range append([]string{r.Below, r.Above}, huge...) {
				if v == r.Min || v == r.Max || v == r.Zero {
					continue
				}
				_, err := load(config.NewFromMap(map[string]any{r.Key: v}))
				if err == nil || !strings.Contains(err.Error(), env) || !strings.Contains(err.Error(), "out of range") {
					t.Errorf("%s=%s: error %v, want %s out of range", env, v, err, env)
				}
			}
			for _, v := range []string{r.Min, r.Max, r.Zero} {
				if v == "" {
					continue
				}
				values := map[string]any{r.Key: v}
				if r.Key == settings.KeyAdminPort {
					values[settings.KeyPort] = 1234 // so that neither bound clashes with APP_PORT
				}
				if _, err := load(config.NewFromMap(values)); err != nil {
					t.Errorf("%s=%s refused: %v", env, v, err)
				}
			}
		})
	}
	// Every key the service reads is either in the table or not a number:
	// it accepts a word that no number parser would.
	for _, key := range settings.Keys() {
		if slices.ContainsFunc(ranges, func(r config.Range) bool { return r.Key == key }) {
			continue
		}
		_, err := load(config.NewFromMap(map[string]any{key: "x"}))
		if err != nil && (strings.Contains(err.Error(), "not a valid integer") || strings.Contains(err.Error(), "not a valid duration")) {
			t.Errorf("%s is numeric but has no bounds in settings.Ranges: %v", key, err)
		}
	}
}

// WORKER_CONCURRENCY=1000000000 used to be accepted and ran the process out
// of memory five minutes later.
func TestHugeConcurrencyRefused(t *testing.T) {
	t.Parallel()
	_, err := load(config.NewFromMap(map[string]any{"worker.concurrency": "1000000000"}))
	if err == nil || !strings.Contains(err.Error(), "WORKER_CONCURRENCY") {
		t.Fatalf("error %v, want one naming WORKER_CONCURRENCY", err)
	}
}

// Every setting that takes one value refuses a YAML list or mapping with
// an error naming the key, instead of joining the list ([5s] read as 5s)
// or ignoring the mapping (the default used). The table is settings.Keys
// and a per-topic option, so a new setting cannot skip it.
func TestScalarRefusesListAndMapping(t *testing.T) {
	t.Parallel()
	lists := []string{"redis.cluster_addrs", "redis.sentinel_addrs", settings.KeyTopics, settings.KeyDispatchRoutes}
	for _, key := range append(settings.Keys(), settings.KeyTopicOptions+".payment.retry.concurrency") {
		if slices.Contains(lists, key) {
			continue
		}
		for _, v := range []any{[]any{"3"}, map[string]any{"x": "3"}} {
			_, err := load(config.NewFromMap(map[string]any{key: v}))
			// A mapping below a per-topic option is an unknown option.
			want := "want a single value"
			if _, isMap := v.(map[string]any); isMap && strings.HasPrefix(key, settings.KeyTopicOptions) {
				want = "unknown option"
			}
			if err == nil || !strings.Contains(err.Error(), key) || !strings.Contains(err.Error(), want) {
				t.Errorf("%s: %v: error %v, want one naming the key and saying %q", key, v, err, want)
			}
		}
	}
}

// REDIS_WAIT_TIMEOUT=0 means nothing without replicas to wait for, so it is
// accepted then, as redis.WithReplicaAck accepts it; with replicas it
// would make WAIT block for ever and is refused naming both variables.
func TestWaitTimeoutZero(t *testing.T) {
	t.Parallel()
	s, err := settings.Load(config.NewFromMap(map[string]any{settings.KeyWaitTimeout: "0"}))
	if err != nil || s.WaitTimeout != 0 || s.WaitReplicas != 0 {
		t.Errorf("REDIS_WAIT_TIMEOUT=0 alone: %+v, %v; want accepted", s, err)
	}
	cfg := config.NewFromMap(map[string]any{settings.KeyWaitTimeout: "0", settings.KeyWaitReplicas: "1"})
	_, err = settings.Load(cfg)
	if err == nil || !strings.Contains(err.Error(), "REDIS_WAIT_TIMEOUT") || !strings.Contains(err.Error(), "REDIS_WAIT_REPLICAS=1") {
		t.Errorf("REDIS_WAIT_TIMEOUT=0 with REDIS_WAIT_REPLICAS=1: %v, want an error naming both", err)
	}
	if _, _, err := settings.ReplicaAck(cfg); err == nil {
		t.Error("ReplicaAck (the CLI's reader) accepts REDIS_WAIT_TIMEOUT=0 with REDIS_WAIT_REPLICAS=1")
	}
}

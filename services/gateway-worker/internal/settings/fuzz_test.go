package settings_test

import (
	"strings"
	"testing"

	"goweb/pkg/config"
	"goweb/services/gateway-worker/internal/settings"
)

// FuzzLoad sets one of the worker's keys to any value: Load never panics,
// and it either accepts the value or rejects it with an error that names
// the key and its variable.
func FuzzLoad(f *testing.F) {
	keys := []string{
		settings.KeyTopics, settings.KeyConcurrency, settings.KeyMaxRetries, settings.KeyHandlerTimeout,
		settings.KeyPeriodic, settings.KeyDeadRetention, settings.KeyCleanupInterval,
		settings.KeyTopicOptions + ".payment.retry.concurrency",
	}
	for i, v := range []string{
		"order.reminder,payment.retry", "10", "3", "30s", "a=@every 1s;b=0 9 * * MON-FRI",
		"168h", "1h", "2", "=", ";;", "x=CRON_TZ=", "-1", "1e9", "a b=c", "9223372036854775807ns",
	} {
		f.Add(uint8(i), v)
	}
	f.Fuzz(func(t *testing.T, k uint8, value string) {
		key := keys[int(k)%len(keys)]
		_, err := load(config.NewFromMap(map[string]any{key: value}))
		if err != nil && !strings.Contains(err.Error(), key) {
			t.Fatalf("%s=%q: error %q does not name the key", key, value, err)
		}
		if err != nil && !strings.Contains(err.Error(), config.EnvName(key)) && !strings.Contains(err.Error(), "config: ") {
			t.Fatalf("%s=%q: error %q names neither the variable nor the config", key, value, err)
		}
	})
}

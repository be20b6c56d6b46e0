package settings

import (
	"slices"
	"strings"

	"goweb/pkg/config"
)

// keys lists every setting the service reads except the per-topic ones
// (worker.topic_options.<topic>.<option>): pkg/config's and the worker's own.
var keys = append(config.KnownKeys(),
	KeyTopics, KeyConcurrency, KeyMaxRetries, KeyHandlerTimeout, KeyPeriodic,
	KeyDeadRetention, KeyCleanupInterval, KeyAdminToken,
)

// EnvNames returns the environment variables the service reads, sorted.
// Per-topic options are read too; see IsEnvName.
func EnvNames() []string {
	names := []string{"CONFIG_FILE"}
	for _, k := range keys {
		names = append(names, config.EnvName(k))
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// topicOptions are the options worker.topic_options.<topic> may set.
var topicOptions = []string{"concurrency", "max_retries", "handler_timeout"}

// IsKey reports whether the service reads the dotted key, as written in a
// YAML file: one of the known keys or worker.topic_options.<topic>.<option>.
func IsKey(key string) bool {
	return slices.Contains(keys, key) || isTopicOption(key, asKey)
}

// IsEnvName reports whether the service reads the environment variable
// name: one of EnvNames, or a per-topic option such as
// WORKER_TOPIC_OPTIONS_PAYMENT_RETRY_CONCURRENCY.
func IsEnvName(name string) bool {
	return slices.Contains(EnvNames(), name) || isTopicOption(name, config.EnvName)
}

// isTopicOption reports whether s is a per-topic option spelled by spell
// (as a key, or as an environment variable).
func isTopicOption(s string, spell func(string) string) bool {
	rest, ok := strings.CutPrefix(s, spell(KeyTopicOptions+"."))
	if !ok {
		return false
	}
	for _, opt := range topicOptions {
		if topic, ok := strings.CutSuffix(rest, spell("."+opt)); ok && topic != "" {
			return true
		}
	}
	return false
}

func asKey(s string) string { return s }

package handlers

import (
	"encoding/json"
	"unicode/utf8"

	"goweb/pkg/logger"
	"goweb/pkg/redis"
)

// MaxLoggedData bounds the data a handler logs: a large message would
// otherwise make a log line as large as itself.
const MaxLoggedData = 1024

func logMessage(log logger.Logger, msg *redis.Message) {
	log.Info("message received", append([]any{"topic", msg.Topic, "message_id", msg.ID, "attempt", msg.Attempt}, dataArgs(msg.Data)...)...)
}

// dataArgs returns the log attributes of a message's data: the data
// itself, or, when its JSON is over MaxLoggedData bytes, its first
// MaxLoggedData bytes as text with the full size in data_bytes.
func dataArgs(data map[string]any) []any {
	raw, err := json.Marshal(data)
	if err != nil || len(raw) <= MaxLoggedData {
		return []any{"data", data}
	}
	cut := MaxLoggedData
	for cut > 0 && !utf8.RuneStart(raw[cut]) {
		cut--
	}
	return []any{"data", string(raw[:cut]) + "…", "data_truncated", true, "data_bytes", len(raw)}
}

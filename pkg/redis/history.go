package redis

import (
	"strconv"
	"time"

	"goweb/pkg/redis/internal/keys"
)

// HistoryRetention is how long the per-minute processed and failed counts
// of a topic are kept (Inspector.History): a day, in hourly hashes that
// expire an hour after the day they serve.
const HistoryRetention = 24 * time.Hour

// historyAt returns the history hash of topic k holding t's minute, and the
// minute within its hour, as the settling scripts take them (history.lua).
func historyAt(k keys.TopicKeys, t time.Time) (key, minute string) {
	unix := t.Unix()
	return k.History(unix / 3600), strconv.FormatInt(unix/60%60, 10)
}

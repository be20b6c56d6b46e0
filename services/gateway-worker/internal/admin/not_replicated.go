package admin

import (
	"errors"
	"net/http"
	"strings"

	"goweb/pkg/redis"
)

// notReplicatedJSON is the 504 of a publish that the master stored but
// fewer replicas than REDIS_WAIT_REPLICAS confirmed in time: unlike every
// 503, the message exists, so the answer names it (id, or ids for a
// batch) and says stored, for the client not to publish it again.
type notReplicatedJSON struct {
	Error  string   `json:"error"`
	Stored bool     `json:"stored"`
	ID     string   `json:"id,omitempty"`
	IDs    []string `json:"ids,omitempty"`
}

// publishError answers a failed publish: 504 with the stored ids when only
// the replication wait failed (ErrNotReplicated), else as queueError.
// stored carries the id or ids the queue returned with the error.
func (a *api) publishError(w http.ResponseWriter, r *http.Request, err error, stored notReplicatedJSON) {
	if !errors.Is(err, redis.ErrNotReplicated) {
		a.queueError(w, r, err)
		return
	}
	a.redisErrs.Warn("admin: publish not replicated", "method", r.Method, "path", r.URL.Path, "status", http.StatusGatewayTimeout, "error", err)
	what := "the message is stored"
	if stored.IDs != nil {
		what = "the messages are stored"
	}
	stored.Error = "not replicated: " + strings.TrimPrefix(err.Error(), "redis: ") +
		" (REDIS_WAIT_REPLICAS, REDIS_WAIT_TIMEOUT); " + what +
		" and will be delivered unless the master fails before replicating; publishing again would store a second copy, unless it carries the same dedup_key (the repeat then answers 409)"
	stored.Stored = true
	writeJSON(w, http.StatusGatewayTimeout, stored)
}

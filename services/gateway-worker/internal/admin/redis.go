package admin

import "net/http"

// redisInfo answers the Redis panel: version, mode and nodes, memory and
// its eviction policy, clients, uptime.
func (a *api) redisInfo(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := a.ctx(r)
	defer cancel()
	info, err := a.read(ctx, r, func() (any, error) { return a.m.RedisInfo(ctx) })
	if err != nil {
		a.queueError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, info)
}

package admin_test

import (
	"testing"

	"goweb/services/gateway-worker/internal/admin"
)

// GET /v1/redis describes the package's private redis-server.
func TestRedisPanel(t *testing.T) {
	t.Parallel()
	b := setup(t, admin.Options{Token: token})
	var info struct {
		Version string `json:"version"`
		Mode    string `json:"mode"`
		Nodes   []struct {
			Addr, Role string
		} `json:"nodes"`
		UsedMemory      int64  `json:"used_memory"`
		MaxMemoryPolicy string `json:"maxmemory_policy"`
		Evicts          bool   `json:"evicts_queue_keys"`
		Clients         int64  `json:"connected_clients"`
	}
	r := b.do(t, "GET", "/v1/redis", "", token)
	if r.code != 200 {
		t.Fatalf("%d %s", r.code, r.body)
	}
	r.json(t, &info)
	if info.Version == "" || info.Mode != "single" || len(info.Nodes) != 1 || info.Nodes[0].Role != "master" ||
		info.UsedMemory <= 0 || info.Clients < 1 || info.MaxMemoryPolicy == "" || info.Evicts != (info.MaxMemoryPolicy != "noeviction") {
		t.Errorf("GET /v1/redis = %s", r.body)
	}
}

package dashboard_test

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"goweb/pkg/redis"
	"goweb/pkg/redis/redistest"
	"goweb/services/gateway-worker/internal/servicetest"
)

// Ids are the publisher's and may repeat: Cancel on one row of two delayed
// messages with the same id deletes both, and the confirm and the notice
// say so.
func TestDashboardDuplicateIDs(t *testing.T) {
	t.Parallel()
	base, m := startApp(t)
	topic := redistest.Topic(t)
	publishDelayed(t, m, topic, "delayed-1", "delayed-2")
	// Another delayed-2, of other data (the same entry twice would be one
	// member of the delayed set).
	if err := m.GetQueue().PublishWithDelay(servicetest.Ctx(t), topic, map[string]any{"copy": 2}, 3*time.Hour, redis.WithID("delayed-2")); err != nil {
		t.Fatal(err)
	}
	ctx, run := newTab(t)
	var accept atomic.Bool
	accept.Store(true)
	dialogs := answerDialogs(ctx, &accept)
	run("cancel one row of delayed-2",
		signIn(base, topic),
		openTab(topic, "delayed"),
		waitJS(`document.querySelectorAll("#delayed-rows tr").length === 3`),
		click(css(`#delayed-rows tr[data-id="delayed-2"] button.cancel-delayed`)),
		waitJS(`document.getElementById("notice").textContent === "Cancelled 2 delayed messages with id delayed-2 of `+topic+`."`),
		waitJS(`document.querySelectorAll("#delayed-rows tr").length === 1`),
	)
	servicetest.Eventually(t, 10*time.Second, "the confirm", func() bool { return dialogs.Load() == 1 })
	if got := dialogs.Messages(); len(got) != 1 || !strings.HasPrefix(got[0], "Delete every delayed message with id delayed-2 of "+topic+"?") {
		t.Errorf("the confirm: %q", got)
	}
	run("run delayed-1 now",
		click(css(`#delayed-rows tr[data-id="delayed-1"] button.run-now`)),
		waitJS(`document.getElementById("notice").textContent === "Moved 1 delayed message with id delayed-1 of `+topic+` to pending."`),
	)
}

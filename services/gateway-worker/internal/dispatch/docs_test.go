package dispatch_test

import (
	"os"
	"strings"
	"testing"

	"goweb/services/gateway-worker/internal/dispatch"
)

// TestDocsListEveryMetricAndOutcome keeps docs/dispatch.md from drifting.
func TestDocsListEveryMetricAndOutcome(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../../../docs/dispatch.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, name := range dispatch.MetricNames {
		if !strings.Contains(doc, "`"+name+"`") {
			t.Errorf("docs/dispatch.md does not list the metric %s", name)
		}
	}
	for _, o := range dispatch.Outcomes {
		if !strings.Contains(doc, "`"+string(o)+"`") {
			t.Errorf("docs/dispatch.md does not list the outcome %s", o)
		}
	}
}

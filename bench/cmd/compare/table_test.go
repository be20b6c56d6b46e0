package main

import "testing"

// TestRowsNameEachMetricOnce guards the table against two rows reading one
// metric (a renamed workload figure that collides with another's would
// show the same number twice, or hide one of them).
func TestRowsNameEachMetricOnce(t *testing.T) {
	seen := map[string]string{}
	for _, rw := range rows {
		if prev, ok := seen[rw.metric]; ok {
			t.Errorf("metric %q has two rows: %q and %q", rw.metric, prev, rw.label)
		}
		seen[rw.metric] = rw.label
	}
}

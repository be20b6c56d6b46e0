package main

import (
	"encoding/json"
	"time"

	"goweb/bench/internal/result"
)

// The latency figures (pickup, delay lateness, dispatch, the topics
// workload's pickups) come from messages stamped with mono() by the sender
// and read by the handler, both in this process: no clocks to agree.

// trickle calls send n times, one every `every` from the first call (a slow
// call does not push back those after it), each with a fresh order body
// stamped "sent_ns" just before the call.
func trickle(n int, every time.Duration, send func(body map[string]interface{}) error) error {
	start := time.Now()
	for i := range n {
		time.Sleep(time.Until(start.Add(time.Duration(i) * every)))
		o := order()
		o["sent_ns"] = mono()
		if err := send(o); err != nil {
			return err
		}
	}
	return nil
}

// stamp reads an integer stamp from message data (JSON numbers decode as
// float64, exact for the nanosecond offsets used here).
func stamp(data map[string]interface{}, key string) (int64, bool) {
	switch v := data[key].(type) {
	case json.Number: // what the library hands handlers
		n, err := v.Int64()
		return n, err == nil
	case float64:
		return int64(v), true
	case int64:
		return v, true
	}
	return 0, false
}

// ranks are the percentiles pctMetrics can report, by name.
var ranks = map[string]float64{"p50": 0.50, "p90": 0.90, "p99": 0.99, "max": 1}

// pctMetrics reports percentiles of v, in ms, as prefix_<rank>_ms: the
// ranks named, by default p50, p99 and max, the ones every harness
// reports. It sorts v.
func pctMetrics(prefix string, v []float64, note string, names ...string) []result.Metric {
	if len(v) == 0 {
		return nil
	}
	if len(names) == 0 {
		names = []string{"p50", "p99", "max"}
	}
	ps := make([]float64, len(names))
	for i, n := range names {
		ps[i] = ranks[n]
	}
	ms := make([]result.Metric, len(names))
	for i, x := range result.Percentiles(v, ps...) {
		ms[i] = result.Metric{Name: prefix + "_" + names[i] + "_ms", Value: x, Unit: "ms", Note: note}
	}
	return ms
}

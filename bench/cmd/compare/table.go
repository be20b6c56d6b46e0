package main

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"goweb/bench/internal/result"
)

const ours = "gateway-worker"

// results holds what the harnesses printed, by implementation and metric.
type results struct {
	impls    []string                      // in run order, ours first
	values   map[string]map[string]float64 // impl -> metric -> median
	notes    map[string]map[string]string  // impl -> metric -> note
	versions map[string]string             // impl -> version it reported
	failed   map[string]string             // impl -> why it failed
	took     map[string]time.Duration
}

func (r *results) add(impl string, lines []result.Line) {
	if r.values[impl] == nil {
		r.values[impl], r.notes[impl] = map[string]float64{}, map[string]string{}
	}
	for _, l := range lines {
		r.values[impl][l.Metric] = l.Value
		r.notes[impl][l.Metric] = l.Note
		r.versions[impl] = l.Version
	}
}

func (r *results) get(impl, metric string) (float64, bool) {
	v, ok := r.values[impl][metric]
	return v, ok
}

// peers are the implementations that are not gateway-worker, at HEAD or
// at a baseline revision.
func (r *results) peers() []string {
	var ps []string
	for _, im := range r.impls {
		if im != ours && !strings.HasPrefix(im, ours+"@") {
			ps = append(ps, im)
		}
	}
	return ps
}

// baseline is the gateway-worker@rev implementation, if one ran.
func (r *results) baseline() string {
	for _, im := range r.impls {
		if strings.HasPrefix(im, ours+"@") {
			return im
		}
	}
	return ""
}

// row describes one metric of the table.
type row struct {
	metric string
	label  string
	higher bool // higher is better
	abs    bool // compare magnitudes (lateness may be negative: early)
	// target describes the target and checks our figure; nil when
	// the row has no target.
	target func(r *results, v float64) (string, bool)
}

func atLeast(limit float64, unit string) func(*results, float64) (string, bool) {
	return func(_ *results, v float64) (string, bool) {
		return fmt.Sprintf("≥ %s %s", human(limit), unit), v >= limit
	}
}

func atMost(limit float64, unit string) func(*results, float64) (string, bool) {
	return func(_ *results, v float64) (string, bool) {
		return fmt.Sprintf("≤ %s %s", human(limit), unit), v <= limit
	}
}

// ofOurs checks v against a fraction of another of our own figures.
func ofOurs(metric string, frac float64, desc string) func(*results, float64) (string, bool) {
	return func(r *results, v float64) (string, bool) {
		base, ok := r.get(ours, metric)
		if !ok {
			return desc, false
		}
		return fmt.Sprintf("%s (%.2f×)", desc, v/base), v >= frac*base
	}
}

var rows = []row{
	{metric: "publish_single_msgs_per_s", label: "Publish, 8 goroutines (msg/s)", higher: true, target: atLeast(70000, "msg/s")},
	{metric: "publish_batch_msgs_per_s", label: "Publish batch of 1000 (msg/s)", higher: true, target: atLeast(300000, "msg/s")},
	{metric: "consume_msgs_per_s", label: "Consume, 50k backlog, conc. 50 (msg/s)", higher: true,
		target: func(r *results, v float64) (string, bool) {
			desc := "≥ 150k msg/s and ≥ 6× BullMQ"
			b, ok := r.get("bullmq", "consume_msgs_per_s")
			if !ok {
				return desc + " (BullMQ n/a)", v >= 150000
			}
			return fmt.Sprintf("%s (%.1f×)", desc, v/b), v >= 150000 && v >= 6*b
		}},
	{metric: "tracing_off_consume_msgs_per_s", label: "Consume traced msgs, tracing off (msg/s)", higher: true},
	{metric: "tracing_noop_consume_msgs_per_s", label: "… redisotel, no-op provider (msg/s)", higher: true},
	{metric: "tracing_on_consume_msgs_per_s", label: "… redisotel, SDK, spans discarded (msg/s)", higher: true},
	{metric: "pickup_p50_ms", label: "Pickup latency p50 (ms)", target: atMost(1, "ms")},
	{metric: "pickup_p99_ms", label: "Pickup latency p99 (ms)", target: atMost(3, "ms")},
	{metric: "pickup_max_ms", label: "Pickup latency max (ms)"},
	{metric: "delay_late_p50_ms", label: "Delay lateness p50 (ms)", abs: true},
	{metric: "delay_late_p99_ms", label: "Delay lateness p99 (ms)", abs: true, target: atMost(10, "ms")},
	{metric: "delay_late_max_ms", label: "Delay lateness max (ms)", abs: true},
	{metric: "delay_received", label: "Delayed messages received", higher: true},
	{metric: "bytes_per_msg", label: "Redis memory per pending msg (B)", target: atMost(250, "B")},
	{metric: "idle_cmds_per_s", label: "Idle cost, 5 topics (cmd/s)", target: atMost(25, "cmd/s")},
	{metric: "topics_100_connections", label: "Connections, 100 idle topics"},
	{metric: "topics_1000_connections", label: "Connections, 1,000 idle topics", target: atMost(20, "conns")},
	{metric: "topics_1000_idle_cmds_per_s", label: "Idle cost, 1,000 topics (cmd/s)", target: atMost(50, "cmd/s")},
	{metric: "topics_1000_rss_mb", label: "RSS, 1,000 idle topics (MB)", target: atMost(64, "MB")},
	{metric: "topics_1000_pickup_publish_p50_ms", label: "Pickup p50, 1,000 idle topics, Publish from another Manager (ms)"},
	{metric: "topics_1000_pickup_publish_p99_ms", label: "… p99 (ms)", target: atMost(5, "ms")},
	{metric: "topics_1000_pickup_lpush_p50_ms", label: "Pickup p50, 1,000 idle topics, plain LPUSH (ms)"},
	{metric: "topics_1000_pickup_lpush_p99_ms", label: "… p99 (ms)", target: atMost(100, "ms")},
	{metric: "scale_topics_1_msgs_per_s", label: "Consume, 1 topic (msg/s)", higher: true},
	{metric: "scale_topics_10_msgs_per_s", label: "Consume, 10 topics (msg/s)", higher: true},
	{metric: "scale_topics_100_msgs_per_s", label: "Consume, 100 topics (msg/s)", higher: true,
		target: ofOurs("scale_topics_1_msgs_per_s", 0.8, "≥ 80% of 1 topic")},
	{metric: "scale_topics_1000_msgs_per_s", label: "Consume, 1,000 topics (msg/s)", higher: true,
		target: ofOurs("scale_topics_1_msgs_per_s", 0.8, "≥ 80% of 1 topic")},
	{metric: "scale_procs_1_msgs_per_s", label: "Consume, 1 process (msg/s)", higher: true},
	{metric: "scale_procs_2_msgs_per_s", label: "Consume, 2 processes (msg/s)", higher: true,
		target: ofOurs("scale_procs_1_msgs_per_s", 1, "≥ 1 process")},
	{metric: "scale_procs_4_msgs_per_s", label: "Consume, 4 processes (msg/s)", higher: true,
		target: ofOurs("scale_procs_1_msgs_per_s", 1, "≥ 1 process")},
	{metric: "dispatch_limit_msgs_per_s", label: "HTTP limit: client loop, conc. 50 (req/s)", higher: true},
	{metric: "dispatch_msgs_per_s", label: "Dispatch, 50k backlog to HTTP (msg/s)", higher: true,
		target: func(r *results, v float64) (string, bool) {
			desc, ok := ofOurs("dispatch_limit_msgs_per_s", 0.5, "≥ 15k msg/s and ≥ 0.5× the limit")(r, v)
			return desc, ok && v >= 15000
		}},
	{metric: "dispatch_added_p50_ms", label: "Dispatch added latency p50 (ms)"},
	{metric: "dispatch_added_p99_ms", label: "Dispatch added latency p99 (ms)", target: atMost(5, "ms")},
	{metric: "dispatch_added_max_ms", label: "Dispatch added latency max (ms)"},
	{metric: "flow_rate_limited_consume_msgs_per_s", label: "Consume, rate limit never reached (msg/s)", higher: true,
		target: ofOurs("consume_msgs_per_s", 0.8, "≥ 0.8× unlimited")},
	{metric: "flow_rate_1000_3procs_msgs_per_s", label: "Rate limit 1000/s, 3 processes (msg/s)", higher: true,
		target: func(_ *results, v float64) (string, bool) { return "1000 ± 5%", math.Abs(v-1000) <= 50 }},
	{metric: "replica_ack_single_msgs_per_s", label: "Publish, 8 goroutines, no WAIT, replica attached (msg/s)", higher: true},
	{metric: "replica_ack_single_wait1_msgs_per_s", label: "… with WithReplicaAck(1, 1s) (msg/s)", higher: true},
	{metric: "replica_ack_batch_msgs_per_s", label: "Publish batch of 1000, no WAIT, replica attached (msg/s)", higher: true},
	{metric: "replica_ack_batch_wait1_msgs_per_s", label: "… with WithReplicaAck(1, 1s) (msg/s)", higher: true,
		target: ofOurs("replica_ack_batch_msgs_per_s", 0.5, "≥ 0.5× no WAIT")},
}

// table is the rendered comparison: a header and rows of cells.
type table struct {
	header         []string
	cells          [][]string
	passed, failed int
}

func buildTable(r *results) *table {
	t := &table{header: []string{"metric"}}
	t.header = append(t.header, r.impls...)
	t.header = append(t.header, "ratio vs best peer")
	base := r.baseline()
	if base != "" {
		t.header = append(t.header, "ratio vs "+strings.TrimPrefix(base, ours+"@"))
	}
	t.header = append(t.header, "target", "met")
	for _, rw := range rows {
		present := false
		for _, im := range r.impls {
			if _, ok := r.get(im, rw.metric); ok {
				present = true
			}
		}
		if !present {
			continue
		}
		line := []string{rw.label}
		for _, im := range r.impls {
			if v, ok := r.get(im, rw.metric); ok {
				line = append(line, human(v))
			} else {
				line = append(line, "n/a")
			}
		}
		line = append(line, ratio(r, rw, r.peers()))
		if base != "" {
			line = append(line, ratio(r, rw, []string{base}))
		}
		target, met := "", ""
		if rw.target != nil {
			if v, ok := r.get(ours, rw.metric); ok {
				var pass bool
				target, pass = rw.target(r, v)
				met = "FAIL"
				if pass {
					met, t.passed = "pass", t.passed+1
				} else {
					t.failed++
				}
			} else {
				target, _ = rw.target(r, math.NaN())
				met = "n/a"
			}
		}
		t.cells = append(t.cells, append(line, target, met))
	}
	return t
}

// ratio compares our figure with the best of others' so that > 1 always
// means we are better: ours/best for higher-is-better rows, best/ours
// otherwise.
func ratio(r *results, rw row, others []string) string {
	v, ok := r.get(ours, rw.metric)
	if !ok {
		return "n/a"
	}
	mag := func(x float64) float64 {
		if rw.abs {
			return math.Abs(x)
		}
		return x
	}
	best, found := 0.0, false
	for _, p := range others {
		pv, ok := r.get(p, rw.metric)
		if !ok {
			continue
		}
		pv = mag(pv)
		if !found || (rw.higher && pv > best) || (!rw.higher && pv < best) {
			best, found = pv, true
		}
	}
	v = mag(v)
	switch {
	case !found:
		return "n/a"
	case rw.higher && best > 0:
		return fmt.Sprintf("%.2f×", v/best)
	case !rw.higher && v > 0:
		return fmt.Sprintf("%.2f×", best/v)
	}
	return "–"
}

// human formats a figure compactly: thousands separated, 3 significant
// decimals for small values.
func human(v float64) string {
	if math.IsNaN(v) {
		return "n/a"
	}
	a := math.Abs(v)
	switch {
	case a >= 1000:
		s := fmt.Sprintf("%.0f", a)
		var b strings.Builder
		for i, c := range s {
			if i > 0 && (len(s)-i)%3 == 0 {
				b.WriteByte(',')
			}
			b.WriteRune(c)
		}
		if v < 0 {
			return "-" + b.String()
		}
		return b.String()
	case a >= 100:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

func (t *table) text() string {
	widths := make([]int, len(t.header))
	all := append([][]string{t.header}, t.cells...)
	for _, line := range all {
		for i, c := range line {
			widths[i] = max(widths[i], len([]rune(c)))
		}
	}
	var b strings.Builder
	b.WriteString("ratio vs best peer: > 1 means gateway-worker is better (ours/best for rates, best/ours for latency, lateness, bytes and idle commands)\n")
	for n, line := range all {
		for i, c := range line {
			pad := widths[i] - len([]rune(c))
			if i == 0 || i >= len(line)-2 {
				b.WriteString(c + strings.Repeat(" ", pad))
			} else {
				b.WriteString(strings.Repeat(" ", pad) + c)
			}
			b.WriteString("  ")
		}
		b.WriteString("\n")
		if n == 0 {
			for i := range widths {
				b.WriteString(strings.Repeat("-", widths[i]) + "  ")
			}
			b.WriteString("\n")
		}
	}
	fmt.Fprintf(&b, "targets met: %d of %d\n", t.passed, t.passed+t.failed)
	return b.String()
}

func markdown(t *table, r *results, m machine) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Benchmark results, %s\n\n", m.date)
	b.WriteString("Produced by `go run ./bench/cmd/compare` (see [benchmarks.md](benchmarks.md) for the method).\n\n")
	b.WriteString("## Machine\n\n")
	for _, kv := range m.fields {
		fmt.Fprintf(&b, "- %s: %s\n", kv[0], kv[1])
	}
	b.WriteString("\n## Figures\n\n")
	b.WriteString("Medians of the runs. **ratio vs best peer**: > 1 means gateway-worker is better " +
		"(ours ÷ best peer for rates; best peer ÷ ours for latency, lateness, bytes and idle commands; " +
		"lateness compared by magnitude).\n\n")
	header := append([]string(nil), t.header...)
	for i, h := range header {
		if v := r.versions[h]; v != "" {
			header[i] = fmt.Sprintf("%s %s", h, v)
		}
	}
	b.WriteString("| " + strings.Join(header, " | ") + " |\n")
	b.WriteString("|---")
	for range header[1:] {
		b.WriteString("|---:")
	}
	b.WriteString("|\n")
	for _, line := range t.cells {
		cells := append([]string(nil), line...)
		if met := cells[len(cells)-1]; met == "FAIL" {
			cells[len(cells)-1] = "**FAIL**"
		}
		b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
	fmt.Fprintf(&b, "\nTargets met: %d of %d.\n", t.passed, t.passed+t.failed)
	if len(r.failed) > 0 {
		b.WriteString("\n## Failures\n\n")
		for _, im := range r.impls {
			if why, ok := r.failed[im]; ok {
				fmt.Fprintf(&b, "- %s: n/a — %s\n", im, why)
			}
		}
	}
	b.WriteString("\n## Notes from the harnesses\n\n")
	for _, im := range r.impls {
		byNote := map[string][]string{}
		for metric, note := range r.notes[im] {
			if note != "" {
				byNote[note] = append(byNote[note], metric)
			}
		}
		notes := make([]string, 0, len(byNote))
		for n := range byNote {
			notes = append(notes, n)
		}
		sort.Strings(notes)
		for _, n := range notes {
			ms := byNote[n]
			sort.Strings(ms)
			fmt.Fprintf(&b, "- %s, %s: %s\n", im, strings.Join(ms, ", "), n)
		}
	}
	return b.String()
}

// Package result is the output contract shared by the benchmark programs:
// one JSON object per metric and line, as described in bench/peers/README.md.
package result

import (
	"math"
	"sort"
)

// Line is one output record. The field order is the documented one.
type Line struct {
	Impl     string  `json:"impl"`
	Version  string  `json:"version"`
	Workload string  `json:"workload"`
	Metric   string  `json:"metric"`
	Value    float64 `json:"value"`
	Unit     string  `json:"unit"`
	Note     string  `json:"note,omitempty"`
}

// Metric is one figure of one run of a workload.
type Metric struct {
	Name  string
	Value float64
	Unit  string
	Note  string
}

// Medians merges repeated runs: for each metric, in first-seen order, the
// median of the values the runs reported for it.
func Medians(runs [][]Metric) []Metric {
	var order []Metric
	vals := map[string][]float64{}
	for _, ms := range runs {
		for _, m := range ms {
			if _, seen := vals[m.Name]; !seen {
				order = append(order, m)
			}
			vals[m.Name] = append(vals[m.Name], m.Value)
		}
	}
	for i := range order {
		order[i].Value = Median(vals[order[i].Name])
	}
	return order
}

// Median of a non-empty slice; it sorts v.
func Median(v []float64) float64 {
	sort.Float64s(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

// Percentiles returns the nearest-rank percentiles ps of a non-empty
// slice, each in (0, 1] (1 is the max); it sorts v.
func Percentiles(v []float64, ps ...float64) []float64 {
	sort.Float64s(v)
	out := make([]float64, len(ps))
	for i, p := range ps {
		out[i] = v[max(int(math.Ceil(p*float64(len(v))))-1, 0)]
	}
	return out
}

// Round3 rounds to three decimals, as every harness prints.
func Round3(v float64) float64 { return math.Round(v*1000) / 1000 }

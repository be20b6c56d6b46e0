package main

import (
	"context"
	"log"
	"slices"
	"strconv"
	"strings"
	"time"

	"goweb/bench/internal/result"
)

// call is one harness invocation: its arguments and how many runs it asks
// for.
type call struct {
	args []string
	runs int
}

// with returns the arguments asking for n runs.
func (c call) with(n int) []string {
	return append(slices.Clip(c.args), "-runs", strconv.Itoa(n))
}

// prepared is an implementation ready to run.
type prepared struct {
	impl
	argv []string
}

// alternate runs every call of the given implementations (gateway-worker
// and its baseline) one run at a time, taking turns, so that both see the
// same load, and records the median of each metric over the runs.
func alternate(ctx context.Context, res *results, pair []prepared, calls []call) {
	samples := map[string]map[string][]float64{}
	whys := map[string][]string{}
	rounds := 0
	for _, c := range calls {
		rounds = max(rounds, c.runs)
	}
	for r := range rounds {
		for _, p := range pair {
			t := time.Now()
			for _, c := range calls {
				if r >= c.runs || ctx.Err() != nil {
					continue
				}
				lines, err := p.run(ctx, p.argv, c.with(1))
				res.add(p.name, lines) // notes and versions; the values are set below
				for _, l := range lines {
					if samples[p.name] == nil {
						samples[p.name] = map[string][]float64{}
					}
					samples[p.name][l.Metric] = append(samples[p.name][l.Metric], l.Value)
				}
				if err != nil {
					log.Printf("%s: %v", p.name, err)
					whys[p.name] = append(whys[p.name], err.Error())
				}
			}
			res.took[p.name] += time.Since(t).Round(time.Second)
		}
	}
	for _, p := range pair {
		for metric, vs := range samples[p.name] {
			res.values[p.name][metric] = result.Median(vs)
		}
		if ctx.Err() != nil {
			whys[p.name] = append(whys[p.name], "interrupted")
		}
		if len(whys[p.name]) > 0 {
			res.failed[p.name] = strings.Join(whys[p.name], "; ")
		}
	}
}

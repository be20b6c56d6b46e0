package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"goweb/pkg/redis"
)

// Bounds of stats --interval.
const (
	minWatchInterval = 100 * time.Millisecond
	maxWatchInterval = time.Hour
)

func (e *env) statsCmd() *cobra.Command {
	var (
		asJSON   bool
		watch    bool
		interval time.Duration
	)
	cmd := &cobra.Command{
		Use:   "stats [TOPIC]",
		Short: "Show the per-topic table of counts and totals",
		Long: `stats shows, for TOPIC or every topic, the messages pending, delayed (retries
included), in flight and dead, the live consumers, and the all-time totals
processed, failed, retried and dead-lettered, across all replicas. A topic
whose keys cannot be read shows its error (ERROR column, "error" in JSON);
stats TOPIC then exits 1.

With --watch it redraws every --interval until interrupted; with --json it
prints one JSON document per refresh: an object for TOPIC, else an array.`,
		Example: `  gateway-worker stats
  gateway-worker stats order.reminder --watch --interval 1s
  gateway-worker stats payment.retry --json | jq .dead`,
		Args: topicArgs(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				if err := checkTopic(cmd, args[0]); err != nil {
					return err
				}
			}
			if interval < minWatchInterval || interval > maxWatchInterval {
				return usageError(cmd, "--interval %s: must be between %s and %s", interval, minWatchInterval, maxWatchInterval)
			}
			ctx := cmd.Context()
			insp, _, closeRedis, err := e.inspector(ctx)
			if err != nil {
				return err
			}
			defer closeRedis()
			if len(args) == 1 {
				if err := e.warnUnknown(ctx, insp, args[0]); err != nil {
					return err
				}
			}
			if !watch {
				return e.showStats(ctx, insp, args, asJSON, 0)
			}
			show := func() error { return e.showStats(ctx, insp, args, asJSON, interval) }
			return every(ctx, interval, show)
		},
	}
	jsonFlag(cmd, &asJSON)
	cmd.Flags().BoolVarP(&watch, "watch", "w", false, "redraw every --interval until interrupted")
	cmd.Flags().DurationVar(&interval, "interval", 2*time.Second, "refresh interval of --watch")
	return cmd
}

// every runs f now and then every interval until ctx is cancelled, which
// ends it without error.
func every(ctx context.Context, interval time.Duration, f func() error) error {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		if err := f(); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// showStats shows the stats once; watch is the --watch interval, 0 without.
func (e *env) showStats(ctx context.Context, insp *redis.Inspector, args []string, asJSON bool, watch time.Duration) error {
	var (
		all []redis.TopicStats
		err error
	)
	if len(args) == 1 {
		all, err = insp.StatsOf(ctx, args)
	} else {
		all, err = insp.AllStats(ctx)
	}
	if err != nil {
		return err
	}
	// A topic asked for by name that cannot be read fails the command,
	// after its line is shown.
	var broken error
	if len(args) == 1 {
		broken = brokenTopics(all)
	}
	if asJSON {
		if len(args) == 1 {
			return errors.Join(writeJSON(e.Stdout, all[0]), broken)
		}
		return writeJSON(e.Stdout, all)
	}
	if watch > 0 {
		if e.Terminal(e.Stdout) {
			fmt.Fprint(e.Stdout, "\x1b[H\x1b[2J") // home, clear screen
		}
		fmt.Fprintf(e.Stdout, "%s (every %s; Ctrl-C to stop)\n", time.Now().UTC().Format(time.RFC3339), watch)
	}
	header, errCell := errorColumn(all, []string{"TOPIC", "PENDING", "DELAYED", "IN_FLIGHT", "DEAD", "CONSUMERS", "PROCESSED", "FAILED", "RETRIED", "DEAD_TOTAL", "PAUSED"})
	t := newTable(e.Stdout, header...)
	for _, s := range all {
		t.row(append([]any{s.Topic, s.Pending, s.Delayed, s.InFlight, s.Dead, s.Consumers, s.Processed, s.Failed, s.Retried, s.DeadTotal, s.Paused}, errCell(s)...)...)
	}
	if err := t.flush(); err != nil {
		return err
	}
	if broken != nil {
		return broken
	}
	if watch > 0 && !e.Terminal(e.Stdout) {
		fmt.Fprintln(e.Stdout)
	}
	return nil
}

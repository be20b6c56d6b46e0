package cli

import (
	"context"
	"fmt"
	"slices"

	"github.com/spf13/cobra"

	"goweb/pkg/redis"
)

// checkTopic refuses a topic name the queue would refuse, saying why.
func checkTopic(cmd *cobra.Command, topic string) error {
	if err := redis.ValidateTopic(topic); err != nil {
		return &UsageError{Command: cmd.CommandPath(), Err: err}
	}
	return nil
}

// warnUnknown notes on stderr that topic is not in the registry, which
// usually means a typo: its counts are all zero.
func (e *env) warnUnknown(ctx context.Context, insp *redis.Inspector, topic string) error {
	topics, err := insp.Topics(ctx)
	if err != nil {
		return err
	}
	if !slices.Contains(topics, topic) {
		fmt.Fprintf(e.Stderr, "note: topic %q was never published to or consumed; known topics: %v\n", topic, topics)
	}
	return nil
}

// topicCounts is one line of topics --json.
type topicCounts struct {
	Topic    string `json:"topic"`
	Pending  int64  `json:"pending"`
	Delayed  int64  `json:"delayed"`
	InFlight int64  `json:"in_flight"`
	Dead     int64  `json:"dead"`
}

func (e *env) topicsCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "topics",
		Short: "List the topics with their message counts",
		Long: `topics lists every topic that was ever published to or consumed, with its
pending, delayed, in-flight and dead message counts.`,
		Example: `  gateway-worker topics
  gateway-worker topics --json | jq -r '.[] | select(.dead > 0) | .topic'`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			insp, _, closeRedis, err := e.inspector(cmd.Context())
			if err != nil {
				return err
			}
			defer closeRedis()
			all, err := insp.AllStats(cmd.Context())
			if err != nil {
				return err
			}
			counts := make([]topicCounts, len(all))
			for i, s := range all {
				counts[i] = topicCounts{s.Topic, s.Pending, s.Delayed, s.InFlight, s.Dead}
			}
			if asJSON {
				return writeJSON(e.Stdout, counts)
			}
			t := newTable(e.Stdout, "TOPIC", "PENDING", "DELAYED", "IN_FLIGHT", "DEAD")
			for _, c := range counts {
				t.row(c.Topic, c.Pending, c.Delayed, c.InFlight, c.Dead)
			}
			return t.flush()
		},
	}
	jsonFlag(cmd, &asJSON)
	return cmd
}

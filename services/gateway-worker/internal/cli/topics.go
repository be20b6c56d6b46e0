package cli

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

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
		fmt.Fprintf(e.Stderr, "note: topic %q was never published to or consumed; %s\n", topic, knownTopics(topics))
	}
	return nil
}

// maxNoted bounds the topics a note lists: a Redis may hold thousands.
const maxNoted = 20

// knownTopics lists the first maxNoted topics, and says how many more
// there are and where to see them all.
func knownTopics(topics []string) string {
	if len(topics) == 0 {
		return "there are no topics yet"
	}
	if len(topics) <= maxNoted {
		return fmt.Sprintf("known topics: %s", strings.Join(topics, ", "))
	}
	return fmt.Sprintf("known topics: %s, … and %d more (gateway-worker topics lists them all)",
		strings.Join(topics[:maxNoted], ", "), len(topics)-maxNoted)
}

// topicCounts is one line of topics --json.
type topicCounts struct {
	Topic    string `json:"topic"`
	Pending  int64  `json:"pending"`
	Delayed  int64  `json:"delayed"`
	InFlight int64  `json:"in_flight"`
	Dead     int64  `json:"dead"`
	Paused   bool   `json:"paused"`
	// Error is why the topic's state could not be read (a key of the
	// wrong type); the counts are then zero.
	Error string `json:"error,omitempty"`
}

// ErrBrokenTopic is the error of stats TOPIC when TOPIC's keys cannot be
// read.
var ErrBrokenTopic = errors.New("the topic's state cannot be read")

// brokenTopics returns an error naming each topic of all whose state could
// not be read, or nil.
func brokenTopics(all []redis.TopicStats) error {
	var errs []error
	for _, s := range all {
		if s.Error != "" {
			errs = append(errs, fmt.Errorf("%w: %s: %s", ErrBrokenTopic, s.Topic, s.Error))
		}
	}
	return errors.Join(errs...)
}

// errorColumn adds an ERROR column to header when a topic of all is
// broken, and returns the cell to append to each row (nil for none).
func errorColumn(all []redis.TopicStats, header []string) ([]string, func(redis.TopicStats) []any) {
	if brokenTopics(all) == nil {
		return header, func(redis.TopicStats) []any { return nil }
	}
	return append(header, "ERROR"), func(s redis.TopicStats) []any { return []any{orDash(s.Error)} }
}

func (e *env) topicsCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "topics",
		Short: "List the topics with their message counts",
		Long: `topics lists every topic that was ever published to or consumed, with its
pending, delayed, in-flight and dead message counts and whether it is
paused. A topic whose keys
cannot be read (a key of the wrong type) shows zero counts and its error, in
an ERROR column and the JSON's "error" field.`,
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
				counts[i] = topicCounts{s.Topic, s.Pending, s.Delayed, s.InFlight, s.Dead, s.Paused, s.Error}
			}
			if asJSON {
				return writeJSON(e.Stdout, counts)
			}
			header, errCell := errorColumn(all, []string{"TOPIC", "PENDING", "DELAYED", "IN_FLIGHT", "DEAD", "PAUSED"})
			t := newTable(e.Stdout, header...)
			for i, c := range counts {
				t.row(append([]any{c.Topic, c.Pending, c.Delayed, c.InFlight, c.Dead, c.Paused}, errCell(all[i])...)...)
			}
			return t.flush()
		},
	}
	jsonFlag(cmd, &asJSON)
	return cmd
}

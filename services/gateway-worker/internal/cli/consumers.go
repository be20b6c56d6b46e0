package cli

import (
	"time"

	"github.com/spf13/cobra"
)

// consumerLine is one line of consumers --json.
type consumerLine struct {
	Topic       string    `json:"topic"`
	ID          string    `json:"id"`
	LeaseExpiry time.Time `json:"lease_expiry"`
	InFlight    int64     `json:"in_flight"`
}

func (e *env) consumersCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "consumers [TOPIC]",
		Short: "List live consumers with their lease and in-flight count",
		Long: `consumers lists the consumers of TOPIC, or of every topic: each holds a lease
it renews while alive (a consumer past its lease is dead, and its messages go
back to pending) and the messages it has taken and not yet settled.`,
		Example: `  gateway-worker consumers
  gateway-worker consumers order.reminder --json`,
		Args: topicArgs(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if len(args) == 1 {
				if err := checkTopic(cmd, args[0]); err != nil {
					return err
				}
			}
			insp, _, closeRedis, err := e.inspector(ctx)
			if err != nil {
				return err
			}
			defer closeRedis()
			topics := args
			if len(args) == 0 {
				if topics, err = insp.Topics(ctx); err != nil {
					return err
				}
			} else if err := e.warnUnknown(ctx, insp, args[0]); err != nil {
				return err
			}
			lines := []consumerLine{}
			for _, topic := range topics {
				cons, err := insp.Consumers(ctx, topic)
				if err != nil {
					return err
				}
				for _, c := range cons {
					lines = append(lines, consumerLine{topic, c.ID, c.LeaseExpiry, c.InFlight})
				}
			}
			if asJSON {
				return writeJSON(e.Stdout, lines)
			}
			now := time.Now()
			t := newTable(e.Stdout, "TOPIC", "CONSUMER", "LEASE_EXPIRY", "IN_FLIGHT")
			for _, l := range lines {
				t.row(l.Topic, l.ID, relative(l.LeaseExpiry, now), l.InFlight)
			}
			return t.flush()
		},
	}
	jsonFlag(cmd, &asJSON)
	return cmd
}

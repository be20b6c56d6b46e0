package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/spf13/cobra"

	"goweb/pkg/redis"
	"goweb/services/gateway-worker/internal/admin"
)

// The states peek shows.
var peekStates = []string{"pending", "delayed", "in_flight", "dead"}

func (e *env) peekCmd() *cobra.Command {
	var (
		asJSON bool
		state  string
		n      int
	)
	cmd := &cobra.Command{
		Use:   "peek TOPIC",
		Short: "Show a topic's messages without taking them",
		Long: `peek shows up to -n messages of TOPIC in a --state:
  pending    waiting, the next to be taken first
  delayed    waiting for their due time (retries included), soonest first
  in_flight  taken by consumers and not yet settled, consumer by consumer
  dead       dead letters, newest first, with why they died
Nothing is changed. --json prints the messages as an array.`,
		Example: `  gateway-worker peek order.reminder
  gateway-worker peek payment.retry --state dead -n 5
  gateway-worker peek order.reminder --state delayed --json | jq -r '.[].id'`,
		Args: topicArgs(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			topic := args[0]
			if err := checkTopic(cmd, topic); err != nil {
				return err
			}
			if !slices.Contains(peekStates, state) {
				return usageError(cmd, "--state %q: want one of %v", state, peekStates)
			}
			if n < 1 || n > admin.MaxListLimit {
				return usageError(cmd, "-n %d: must be between 1 and %d", n, admin.MaxListLimit)
			}
			ctx := cmd.Context()
			insp, _, closeRedis, err := e.inspector(ctx)
			if err != nil {
				return err
			}
			defer closeRedis()
			rows, err := peek(ctx, insp, topic, state, n)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(e.Stdout, rows.json)
			}
			// The total reads every key of the topic: a broken key of
			// another state leaves it unknown, not the messages unshown.
			s, serr := insp.Stats(ctx, topic)
			if serr != nil && !errors.Is(serr, redis.ErrWrongType) {
				return serr
			}
			t := newTable(e.Stdout, rows.header...)
			for _, r := range rows.cells {
				t.row(r...)
			}
			if err := t.flush(); err != nil {
				return err
			}
			if serr != nil {
				_, err = fmt.Fprintf(e.Stdout, "%d %s messages of %s (the total is unknown: %v)\n", len(rows.cells), state, topic, serr)
				return err
			}
			total := map[string]int64{"pending": s.Pending, "delayed": s.Delayed, "in_flight": s.InFlight, "dead": s.Dead}[state]
			_, err = fmt.Fprintf(e.Stdout, "%d of %d %s messages of %s\n", len(rows.cells), total, state, topic)
			return err
		},
	}
	jsonFlag(cmd, &asJSON)
	cmd.Flags().StringVar(&state, "state", "pending", "pending, delayed, in_flight or dead")
	cmd.Flags().IntVarP(&n, "number", "n", 20, fmt.Sprintf("how many messages, 1 to %d", admin.MaxListLimit))
	return cmd
}

// peeked is what peek found: the JSON to print, or the table.
type peeked struct {
	json   any
	header []string
	cells  [][]any
}

func peek(ctx context.Context, insp *redis.Inspector, topic, state string, n int) (*peeked, error) {
	switch state {
	case "pending", "delayed":
		read := insp.Pending
		if state == "delayed" {
			read = insp.Delayed
		}
		msgs, err := read(ctx, topic, 0, n)
		if err != nil {
			return nil, err
		}
		p := &peeked{json: msgs, header: []string{"ID", "PUBLISHED", "DUE", "ATTEMPT", "DATA"}}
		for _, m := range msgs {
			p.cells = append(p.cells, []any{orDash(m.ID), when(m.PublishedAt), when(m.DueAt), m.Attempt, dataCell(m)})
		}
		return p, nil
	case "in_flight":
		msgs, err := insp.InFlight(ctx, topic, 0, n)
		if err != nil {
			return nil, err
		}
		p := &peeked{json: msgs, header: []string{"ID", "CONSUMER", "LEASE_EXPIRY", "ATTEMPT", "DATA"}}
		for _, m := range msgs {
			p.cells = append(p.cells, []any{orDash(m.ID), m.Consumer, when(m.LeaseExpiry), m.Attempt, dataCell(m.QueuedMessage)})
		}
		return p, nil
	default:
		dead, err := insp.DeadLetters(ctx, topic, 0, n)
		if err != nil {
			return nil, err
		}
		p := &peeked{json: dead, header: []string{"ID", "FAILED_AT", "ATTEMPT", "REASON", "ENTRY"}}
		for _, d := range dead {
			p.cells = append(p.cells, []any{orDash(d.ID), when(d.FailedAt), d.Attempt, clip(d.Reason, 40), clip(d.Entry, 60)})
		}
		return p, nil
	}
}

// dataCell is a message's data for a table, or why it is not valid. It
// is cut from the stored entry, so numbers show every digit.
func dataCell(m redis.QueuedMessage) string {
	if m.Invalid != "" {
		return clip("invalid: "+m.Invalid, 60)
	}
	var entry struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal([]byte(m.Entry), &entry); err != nil || len(entry.Data) == 0 {
		return "{}"
	}
	return clip(string(entry.Data), 60)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

package cli

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"goweb/pkg/redis"
	"goweb/services/gateway-worker/internal/dispatch"
)

func (e *env) deadCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "dead",
		Short: "Requeue or delete dead letters",
		Long: `dead retry puts dead letters back in their topic; dead purge deletes them.
See their dead letters first with: gateway-worker peek TOPIC --state dead`,
		Example: `  gateway-worker dead retry payment.retry --all
  gateway-worker dead purge payment.retry --older-than 168h`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(e.deadRetryCmd(), e.deadPurgeCmd())
	return cmd
}

func (e *env) deadRetryCmd() *cobra.Command {
	var all bool
	return withFlags(&cobra.Command{
		Use:   "retry TOPIC (ID... | --all)",
		Short: "Requeue dead letters: these ids, or all",
		Long: `retry puts the dead letters of TOPIC with the given ids, or all of them with
--all, back at the end of its pending list with their attempt count reset, and
prints how many. An id that is not a dead letter of TOPIC fails the command
after the others are requeued.`,
		Example: `  gateway-worker dead retry payment.retry k3j4h5g6a1 k3j4h5g6a2
  gateway-worker dead retry payment.retry --all`,
		Args: topicArgs(1, -1),
		RunE: func(cmd *cobra.Command, args []string) error {
			topic, ids := args[0], args[1:]
			if err := checkTopic(cmd, topic); err != nil {
				return err
			}
			for _, id := range ids {
				if !redis.ValidID(id) {
					return usageError(cmd, "id %q: want 1 to %d printable ASCII bytes without space, quote, backslash or brace", id, redis.MaxIDLen)
				}
			}
			switch {
			case all && len(ids) > 0:
				return usageError(cmd, "give message ids or --all, not both")
			case !all && len(ids) == 0:
				return usageError(cmd, "missing the ids of the dead letters to requeue, or --all")
			}
			insp, m, closeRedis, err := e.inspector(cmd.Context())
			if err != nil {
				return err
			}
			defer closeRedis()
			// A routed topic's requeued messages start their delivery
			// attempts record over; for any other topic there is none.
			attempts := dispatch.NewAttempts(m.Client(), dispatch.DefaultAttemptsKept, dispatch.DefaultAttemptsTTL)
			if all {
				n, err := attempts.RequeueAllDead(cmd.Context(), insp, topic)
				if err != nil {
					return fmt.Errorf("requeue dead letters of %s: %w (%d requeued before the error)", topic, err, n)
				}
				_, err = fmt.Fprintf(e.Stdout, "requeued %s of %s\n", deadLetters(n), topic)
				return err
			}
			// One id at a time, so that the ids not found can be named.
			var n int64
			var missing []string
			for _, id := range ids {
				k, err := attempts.RequeueDead(cmd.Context(), insp, topic, id)
				if err != nil {
					return fmt.Errorf("requeue dead letters of %s: %w (%d requeued before the error)", topic, err, n)
				}
				if k == 0 {
					missing = append(missing, strconv.Quote(id))
				}
				n += k
			}
			fmt.Fprintf(e.Stdout, "requeued %s of %s\n", deadLetters(n), topic)
			if len(missing) > 0 {
				return fmt.Errorf("%d of the %d ids are not dead letters of %s: %s", len(missing), len(ids), topic, strings.Join(missing, ", "))
			}
			return nil
		},
	}, func(cmd *cobra.Command) {
		cmd.Flags().BoolVar(&all, "all", false, "requeue every dead letter of TOPIC")
	})
}

func (e *env) deadPurgeCmd() *cobra.Command {
	var olderThan time.Duration
	return withFlags(&cobra.Command{
		Use:   "purge TOPIC",
		Short: "Delete dead letters: all, or those older than --older-than",
		Long: `purge deletes the dead letters of TOPIC (those that died more than
--older-than ago, if given) and prints how many. This cannot be undone.`,
		Example: `  gateway-worker dead purge payment.retry
  gateway-worker dead purge payment.retry --older-than 168h`,
		Args: topicArgs(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			topic := args[0]
			if err := checkTopic(cmd, topic); err != nil {
				return err
			}
			limited := cmd.Flags().Changed("older-than")
			if limited && olderThan <= 0 {
				return usageError(cmd, "--older-than %s: must be positive, such as 168h", olderThan)
			}
			insp, _, closeRedis, err := e.inspector(cmd.Context())
			if err != nil {
				return err
			}
			defer closeRedis()
			var n int64
			if limited {
				n, err = insp.TrimDead(cmd.Context(), topic, olderThan)
			} else {
				n, err = insp.PurgeDead(cmd.Context(), topic)
			}
			if err != nil {
				return fmt.Errorf("purge dead letters of %s: %w", topic, err)
			}
			_, err = fmt.Fprintf(e.Stdout, "purged %s of %s\n", deadLetters(n), topic)
			return err
		},
	}, func(cmd *cobra.Command) {
		cmd.Flags().DurationVar(&olderThan, "older-than", 0, "delete only dead letters that died longer ago than this, such as 168h")
	})
}

// withFlags lets flags be declared after the command literal.
func withFlags(cmd *cobra.Command, add func(*cobra.Command)) *cobra.Command {
	add(cmd)
	return cmd
}

// deadLetters counts n dead letters in words: "1 dead letter", "2 dead
// letters".
func deadLetters(n int64) string {
	if n == 1 {
		return "1 dead letter"
	}
	return fmt.Sprintf("%d dead letters", n)
}

package cli

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"goweb/pkg/redis"
	"goweb/services/gateway-worker/internal/admin"
)

func (e *env) publishCmd() *cobra.Command {
	var (
		delay time.Duration
		id    string
		file  string
	)
	cmd := &cobra.Command{
		Use:   "publish TOPIC (JSON | --file FILE)",
		Short: "Publish one message, or many from a file",
		Long: `publish sends JSON, one JSON object, to TOPIC as a message's data and prints
the message id. --delay makes it due later, --id sets its id (a publish with
an id already used is a new message, not a replacement).

With --file it publishes every line of FILE (newline-delimited JSON, one
object a line; blank lines are skipped) in batches; "--file -" reads standard
input. The whole file is checked first: a bad line publishes nothing, names
the line and exits 2. A progress bar shows on a terminal.`,
		Example: `  gateway-worker publish order.reminder '{"order_id":"12345","amount":299.99}'
  gateway-worker publish order.reminder '{"order_id":"12345"}' --delay 10m --id reminder-12345
  gateway-worker publish user.notification --file messages.ndjson
  jq -c '.[]' messages.json | gateway-worker publish user.notification --file -`,
		Args: topicArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			topic := args[0]
			if err := checkTopic(cmd, topic); err != nil {
				return err
			}
			if delay < 0 || delay > admin.MaxDelay {
				return usageError(cmd, "--delay %s: must be between 0 and %s", delay, admin.MaxDelay)
			}
			if cmd.Flags().Changed("id") && !redis.ValidID(id) {
				return usageError(cmd, "--id %q: want 1 to %d printable ASCII bytes without space, quote, backslash or brace", id, redis.MaxIDLen)
			}
			opts := []redis.PublishOption{redis.WithDelay(delay)}
			switch {
			case file != "" && len(args) == 2:
				return usageError(cmd, "give JSON or --file, not both")
			case file != "" && id != "":
				return usageError(cmd, "--id applies to one message, not to --file")
			case file != "":
				return e.publishFile(cmd.Context(), cmd.CommandPath(), topic, file, opts)
			case len(args) == 1:
				return usageError(cmd, "missing JSON: the message data, such as '{\"order_id\":\"12345\"}', or --file")
			}
			data, err := decodeData([]byte(args[1]))
			if err != nil {
				return usageError(cmd, "JSON: %w", err)
			}
			if id != "" {
				opts = append(opts, redis.WithID(id))
			}
			_, m, closeRedis, err := e.inspector(cmd.Context())
			if err != nil {
				return err
			}
			defer closeRedis()
			got, err := m.GetQueue().Enqueue(cmd.Context(), topic, data, opts...)
			if errors.Is(err, redis.ErrNotReplicated) {
				// Stored: print the id as on success, and fail saying
				// not to publish it again.
				_, _ = fmt.Fprintln(e.Stdout, got)
				return fmt.Errorf("publish to %s: message %s stored, but not replicated: %w; publishing it again would store a second copy", topic, got, err)
			}
			if err != nil {
				return fmt.Errorf("publish to %s: nothing stored: %w", topic, err)
			}
			_, err = fmt.Fprintln(e.Stdout, got)
			return err
		},
	}
	cmd.Flags().DurationVar(&delay, "delay", 0, "deliver after this long, such as 10m or 1h30m")
	cmd.Flags().StringVar(&id, "id", "", "the message id (default: generated)")
	cmd.Flags().StringVarP(&file, "file", "f", "", "publish each line of this newline-delimited JSON file (- for stdin)")
	return cmd
}

package cli

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/spf13/cobra"

	"goweb/pkg/redis"
)

// pauseCmd and resumeCmd stop and restart the consumption of a topic in
// every process, through the Inspector like the server's admin API.
func (e *env) pauseCmd() *cobra.Command {
	var force bool
	cmd := e.flowCmd("pause", "Stop every consumer of TOPIC taking new messages",
		`pause stops every consumer of TOPIC, in every process, from taking new
messages within 100 ms. Messages already taken finish; publishes go on; the
topic stays paused across restarts until resume. A topic that was never
published to or consumed is refused (most often a typo) unless --force is
given, to pause it before its first use.`,
		func(ctx context.Context, insp *redis.Inspector, topic string) error {
			if !force {
				if err := checkUsed(ctx, insp, topic, "to pause it before its first use, give --force"); err != nil {
					return err
				}
			}
			return insp.Pause(ctx, topic)
		},
		"paused")
	cmd.Flags().BoolVar(&force, "force", false, "pause TOPIC even if it was never published to or consumed")
	return cmd
}

// ErrUnusedTopic is the error of pause TOPIC when TOPIC was never
// published to or consumed, without --force.
var ErrUnusedTopic = errors.New("topic was never published to or consumed")

// checkUsed refuses a topic that was never published to or consumed,
// ending the message with hint.
func checkUsed(ctx context.Context, insp *redis.Inspector, topic, hint string) error {
	topics, err := insp.Topics(ctx)
	if err != nil {
		return err
	}
	if !slices.Contains(topics, topic) {
		return fmt.Errorf("%w (a typo?); %s", ErrUnusedTopic, hint)
	}
	return nil
}

func (e *env) resumeCmd() *cobra.Command {
	return e.flowCmd("resume", "Let the consumers of a paused TOPIC take messages again",
		`resume undoes pause: every consumer of TOPIC takes messages again within
100 ms. A topic neither paused nor ever published to or consumed is refused
(most often a typo); one paused before its first use is resumed.`,
		func(ctx context.Context, insp *redis.Inspector, topic string) error {
			paused, err := insp.Paused(ctx, topic)
			if err != nil {
				return err
			}
			if !paused {
				if err := checkUsed(ctx, insp, topic, "it is not paused either"); err != nil {
					return err
				}
			}
			return insp.Resume(ctx, topic)
		},
		"resumed")
}

func (e *env) flowCmd(name, short, long string, act func(context.Context, *redis.Inspector, string) error, done string) *cobra.Command {
	return &cobra.Command{
		Use:     name + " TOPIC",
		Short:   short,
		Long:    long,
		Example: "  gateway-worker " + name + " payment.retry",
		Args:    topicArgs(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			topic := args[0]
			if err := checkTopic(cmd, topic); err != nil {
				return err
			}
			insp, _, closeRedis, err := e.inspector(cmd.Context())
			if err != nil {
				return err
			}
			defer closeRedis()
			if err := act(cmd.Context(), insp, topic); err != nil {
				return fmt.Errorf("%s %s: %w", name, topic, err)
			}
			fmt.Fprintf(e.Stdout, "%s %s\n", done, topic)
			return nil
		},
	}
}

package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"

	"github.com/spf13/cobra"

	"goweb/pkg/config"
	"goweb/services/gateway-worker/internal/app"
)

// Exit statuses of Execute.
const (
	ExitOK    = 0
	ExitError = 1 // the command failed
	ExitUsage = 2 // the command line is wrong
)

// Options configure Execute.
type Options struct {
	// Config returns the configuration, read once per run. Defaults to
	// config.New (the environment and CONFIG_FILE).
	Config func() *config.Config
	// Stdin is read by publish --file -. Defaults to os.Stdin.
	Stdin io.Reader
	// Stdout and Stderr default to os.Stdout and os.Stderr.
	Stdout, Stderr io.Writer
	// Terminal reports whether w is a terminal, which turns on the progress
	// bar of a bulk publish and the screen redraw of stats --watch.
	// Defaults to IsTerminal.
	Terminal func(w io.Writer) bool
	// LocalRedis is passed to app.Options by serve. Defaults to
	// app.DefaultLocalRedis.
	LocalRedis string
}

// WithDefaults returns a copy of o with zero fields set to their defaults.
func (o Options) WithDefaults() Options {
	if o.Config == nil {
		o.Config = config.New
	}
	if o.Stdin == nil {
		o.Stdin = os.Stdin
	}
	if o.Stdout == nil {
		o.Stdout = os.Stdout
	}
	if o.Stderr == nil {
		o.Stderr = os.Stderr
	}
	if o.Terminal == nil {
		o.Terminal = IsTerminal
	}
	return o
}

// IsTerminal reports whether w is a character device such as a terminal.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// Execute runs the command line args (without the program name) and
// returns the exit status. It returns when the command is done or, for
// serve and stats --watch, once ctx is cancelled.
func Execute(ctx context.Context, args []string, opts Options) int {
	e := &env{Options: opts.WithDefaults()}
	root := e.root()
	root.SetArgs(args)
	root.SetOut(e.Stdout)
	root.SetErr(e.Stderr)
	err := root.ExecuteContext(ctx)
	var usage *UsageError
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, errReported):
		return ExitError
	case errors.As(err, &usage):
		fmt.Fprintf(e.Stderr, "gateway-worker: %v\nRun '%s --help' for usage.\n", err, usage.Command)
		return ExitUsage
	default:
		fmt.Fprintf(e.Stderr, "gateway-worker: %v\n", err)
		return ExitError
	}
}

// UsageError is a command line mistake: an unknown command or flag, a
// missing or extra argument, a bad flag value.
type UsageError struct {
	Command string // the command path, such as "gateway-worker dead retry"
	Err     error
}

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

func usageError(cmd *cobra.Command, format string, args ...any) error {
	return &UsageError{Command: cmd.CommandPath(), Err: fmt.Errorf(format, args...)}
}

// errReported is an error already written to the log (serve and
// healthcheck log as the service does); Execute only sets the status.
var errReported = errors.New("reported")

// env is what the commands share.
type env struct {
	Options
	cfg *config.Config
}

// config returns the configuration, loaded on first use and validated.
func (e *env) config() (*config.Config, error) {
	if e.cfg == nil {
		e.cfg = e.Config()
	}
	return e.cfg, e.cfg.Validate()
}

func (e *env) root() *cobra.Command {
	root := &cobra.Command{
		Use:   "gateway-worker",
		Short: "Run the gateway worker, or inspect and repair its queues",
		Long: `gateway-worker with no command (or "serve") runs the service: it consumes
the configured topics and serves /healthz, /ready, /metrics, the /v1 admin API
and the dashboard on APP_PORT.

The other commands talk to Redis directly through the queue's Inspector; no
server needs to run. Every command reads the same settings as the server: the
environment (REDIS_HOST, REDIS_URL, ...) and the YAML file named by
CONFIG_FILE (default ./config.yaml). See docs/service.md.`,
		Example: `  gateway-worker                      # run the service
  gateway-worker stats --watch        # the per-topic table, redrawn every 2s
  gateway-worker publish order.reminder '{"order_id":"12345"}' --delay 10m
  gateway-worker dead retry payment.retry --all`,
		Args:          noArgs,
		SilenceErrors: true,
		SilenceUsage:  true,
		RunE:          e.serve,
	}
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return &UsageError{Command: cmd.CommandPath(), Err: flagError(err)}
	})
	root.AddCommand(e.serveCmd(), e.healthcheckCmd(), e.topicsCmd(), e.statsCmd(), e.publishCmd(),
		e.peekCmd(), e.deadCmd(), e.consumersCmd(), e.pauseCmd(), e.resumeCmd())
	root.CompletionOptions.DisableDefaultCmd = true
	return root
}

// flagError rewords pflag's error for a value that does not parse, which
// names Go's parser ("strconv.ParseInt: parsing ..."), into what the flag
// wants: `-n, --number "abc": want a whole number`.
func flagError(err error) error {
	m := flagValueRE.FindStringSubmatch(err.Error())
	if m == nil {
		return err
	}
	want := map[string]string{"ParseFloat": "a number", "ParseBool": "true or false"}[m[3]]
	if want == "" {
		want = "a whole number"
	}
	return fmt.Errorf("%s %s: want %s", m[2], strconv.Quote(m[1]), want)
}

// flagValueRE takes the value, the flag and the parser out of pflag's
// "invalid argument "abc" for "-n, --number" flag: strconv.ParseInt: ...".
var flagValueRE = regexp.MustCompile(`^invalid argument "(.*)" for "(.*)" flag: strconv\.(Parse\w+): `)

// Argument checks that report a UsageError naming what is wrong.

func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		if cmd.HasSubCommands() {
			return usageError(cmd, "unknown command %q", args[0])
		}
		return usageError(cmd, "unexpected argument %q", args[0])
	}
	return nil
}

func topicArgs(min, max int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		switch {
		case len(args) < min:
			return usageError(cmd, "missing TOPIC")
		case max >= 0 && len(args) > max:
			return usageError(cmd, "unexpected argument %q", args[max])
		}
		return nil
	}
}

// serve runs the service until ctx is cancelled.
func (e *env) serve(cmd *cobra.Command, _ []string) error {
	cfg := e.Config()
	e.cfg = cfg
	log := app.NewLogger(cfg)
	a, err := app.New(cmd.Context(), app.Options{Config: cfg, Log: log, LocalRedis: e.LocalRedis})
	if err != nil {
		log.Error("cannot start gateway-worker", err)
		return errReported
	}
	if err := a.Run(cmd.Context()); err != nil {
		log.Error("gateway-worker failed", err)
		return errReported
	}
	return nil
}

func (e *env) serveCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "Run the service (the default when no command is given)",
		Long: `serve consumes the configured topics and serves the HTTP endpoints until
SIGTERM or SIGINT, then shuts down gracefully: in-flight messages get
SHUTDOWN_TIMEOUT to finish and the rest go back to their queue.`,
		Example: `  REDIS_HOST=redis WORKER_TOPICS=order.reminder gateway-worker serve`,
		Args:    noArgs,
		RunE:    e.serve,
	}
}

func (e *env) healthcheckCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "healthcheck",
		Short: "Exit 0 if the service on this host answers /healthz",
		Long: `healthcheck GETs http://127.0.0.1:APP_PORT/healthz and exits 0 if it answers
200, else 1: the container HEALTHCHECK of an image without curl.`,
		Example: `  gateway-worker healthcheck && echo healthy`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg := e.Config()
			if err := app.Healthcheck(cmd.Context(), cfg); err != nil {
				app.NewLogger(cfg).Error("health check failed", err)
				return errReported
			}
			return nil
		},
	}
}

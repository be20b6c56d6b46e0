package settings

import "log/slog"

// Secret is a setting never to be printed: fmt and slog show it masked.
type Secret string

func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "xxxxx"
}

// GoString masks %#v too.
func (s Secret) GoString() string { return `"` + s.String() + `"` }

// LogValue masks it in slog output.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// LogValue logs the settings with secrets redacted.
func (s *Settings) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("addr", s.Addr()),
		slog.String("admin_addr", s.AdminAddr()),
		slog.String("log_level", s.LogLevel),
		slog.String("log_format", s.LogFormat),
		slog.String("shutdown_timeout", s.ShutdownTimeout.String()),
		slog.String("dead_retention", s.DeadRetention.String()),
		slog.String("cleanup_interval", s.CleanupInterval.String()),
		slog.Bool("admin_api", s.AdminToken != ""),
		slog.Int("wait_replicas", s.WaitReplicas),
		slog.String("wait_timeout", s.WaitTimeout.String()),
		slog.Any("periodic", s.Periodic),
		slog.Any("dispatch_routes", s.Dispatch.Routes),
	)
}

// Topics are the consumed topics, logged with their effective options.
type Topics []Topic

// LogValue logs each topic's effective options, as its consumer runs.
func (ts Topics) LogValue() slog.Value {
	attrs := make([]slog.Attr, len(ts))
	for i, t := range ts {
		opts := []any{"concurrency", t.Concurrency, "max_retries", t.MaxRetries, "handler_timeout", t.HandlerTimeout.String()}
		if t.RateLimit != nil {
			opts = append(opts, "rate_limit", t.RateLimit.String())
		}
		if t.GlobalConcurrency > 0 {
			opts = append(opts, "global_concurrency", t.GlobalConcurrency)
		}
		attrs[i] = slog.Group(t.Name, opts...)
	}
	return slog.GroupValue(attrs...)
}

// Names returns the topics' names, in order.
func (ts Topics) Names() []string {
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = t.Name
	}
	return names
}

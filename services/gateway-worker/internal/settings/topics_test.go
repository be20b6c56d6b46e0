package settings_test

import (
	"strings"
	"testing"

	"goweb/pkg/config"
	"goweb/services/gateway-worker/internal/settings"
	"goweb/services/gateway-worker/internal/worker"
)

// Per-topic options: a misspelled option or a topic no handler has is
// refused, naming the variable; one for a registered topic this process
// does not consume is a warning.
func TestTopicOptionNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		values  map[string]any
		wantErr string
		warn    string
	}{
		{"misspelled topic", map[string]any{"worker.topic_options.order.remindr.max_retries": 9},
			`worker.topic_options.order.remindr.max_retries (WORKER_TOPIC_OPTIONS_ORDER_REMINDR_MAX_RETRIES): no registered topic "order.remindr"`, ""},
		{"misspelled option", map[string]any{"worker.topic_options.payment.retry.max_retry": 9},
			"worker.topic_options.payment.retry.max_retry (WORKER_TOPIC_OPTIONS_PAYMENT_RETRY_MAX_RETRY): unknown option (want concurrency, max_retries, handler_timeout, rate_limit, global_concurrency)", ""},
		{"option without topic", map[string]any{"worker.topic_options.concurrency": 2}, "unknown option", ""},
		{"not consumed", map[string]any{"worker.topics": "order.reminder", "worker.topic_options.payment.retry.concurrency": 2},
			"", `worker.topic_options.payment.retry.concurrency is set, but this process does not consume topic "payment.retry" (WORKER_TOPICS)`},
		{"consumed", map[string]any{"worker.topic_options.payment.retry.concurrency": 2}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := load(config.NewFromMap(tt.values))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(s.Warnings, "\n"); got != tt.warn {
				t.Errorf("warnings %q, want %q", got, tt.warn)
			}
		})
	}
}

// The same checks on environment variables, which spell the topic with
// underscores: WORKER_TOPIC_OPTIONS_ORDER_REMINDR_MAX_RETRIES=9 is the
// typo of issue 10.
func TestTopicOptionVariables(t *testing.T) {
	for name, want := range map[string]string{
		"WORKER_TOPIC_OPTIONS_ORDER_REMINDR_MAX_RETRIES":  `WORKER_TOPIC_OPTIONS_ORDER_REMINDR_MAX_RETRIES: no registered topic "order_remindr"`,
		"WORKER_TOPIC_OPTIONS_ORDER_REMINDER_RETRIES":     "WORKER_TOPIC_OPTIONS_ORDER_REMINDER_RETRIES: unknown option",
		"WORKER_TOPIC_OPTIONS_ORDER_REMINDER_MAX_RETRIES": "",
		// _GLOBAL_CONCURRENCY, not _CONCURRENCY of a topic "order.reminder.global"
		"WORKER_TOPIC_OPTIONS_ORDER_REMINDER_GLOBAL_CONCURRENCY": "",
		"WORKER_TOPIC_OPTIONS_order_reminder_concurrency":        "WORKER_TOPIC_OPTIONS_order_reminder_concurrency: variable names are upper case",
	} {
		t.Run(name, func(t *testing.T) {
			t.Setenv(name, "9")
			s, err := settings.Load(config.New())
			if err == nil {
				var topics settings.Topics
				topics, _, err = s.Consume(registrations())
				if err == nil && want == "" && topics[0].MaxRetries != 9 && topics[0].GlobalConcurrency != 9 {
					t.Errorf("order.reminder = %+v, want max_retries or global_concurrency 9", topics[0])
				}
			}
			if want == "" && err != nil || want != "" && (err == nil || !strings.Contains(err.Error(), want)) {
				t.Errorf("error %v, want %q", err, want)
			}
		})
	}
}

// system.cleanup is registered with a concurrency of 1: that is what it
// runs at, and what the start line shows, whatever WORKER_CONCURRENCY says;
// only its own setting overrides it.
func TestEffectiveTopicOptions(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		values map[string]any
		want   int
	}{
		{nil, 1},
		{map[string]any{"worker.concurrency": 7}, 1},
		{map[string]any{"worker.topic_options.system.cleanup.concurrency": 3}, 3},
	} {
		s, err := load(config.NewFromMap(tt.values))
		if err != nil {
			t.Fatal(err)
		}
		for _, topic := range s.Topics {
			if topic.Name == "system.cleanup" && topic.Concurrency != tt.want {
				t.Errorf("%v: system.cleanup concurrency %d, want %d", tt.values, topic.Concurrency, tt.want)
			}
		}
	}
}

// WORKER_TOPIC_OPTIONS_<TOPIC>_RATE_LIMIT reaches the topic; a bad value
// stops the start naming the variable.
func TestRateLimitVariable(t *testing.T) {
	for value, want := range map[string]string{
		"10/s:20": "",
		"50":      "WORKER_TOPIC_OPTIONS_ORDER_REMINDER_RATE_LIMIT",
	} {
		t.Run(value, func(t *testing.T) {
			t.Setenv("WORKER_TOPIC_OPTIONS_ORDER_REMINDER_RATE_LIMIT", value)
			s, err := settings.Load(config.New())
			var topics settings.Topics
			if err == nil {
				topics, _, err = s.Consume(registrations())
			}
			switch {
			case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
				t.Errorf("error %v, want one naming %s", err, want)
			case want == "" && err != nil:
				t.Fatal(err)
			case want == "" && (topics[0].RateLimit == nil || topics[0].RateLimit.String() != value):
				t.Errorf("order.reminder rate limit %v, want %s", topics[0].RateLimit, value)
			}
		})
	}
}

// A variable spells a topic with every character other than a letter or
// digit as "_": it reaches topics with "-" or ":", names the variable a
// misspelled one should have been, refuses to set two topics alike, and a
// warning names the topic as registered.
func TestTopicOptionVariableNames(t *testing.T) {
	topicsOf := func(names ...string) []worker.Registration {
		var reg worker.Registry
		for _, n := range names {
			reg.Register(n, nop)
		}
		return reg.Registrations()
	}
	for _, tc := range []struct {
		env        map[string]string
		registered []string
		want       string // error, or the warning when ok
		maxRetries map[string]int
	}{
		{map[string]string{"WORKER_TOPIC_OPTIONS_ORDERS_CREATED_MAX_RETRIES": "7", "WORKER_TOPIC_OPTIONS_A_B_MAX_RETRIES": "8"},
			[]string{"orders-created", "a:b"}, "", map[string]int{"orders-created": 7, "a:b": 8}},
		{map[string]string{"WORKER_TOPIC_OPTIONS_ORDERS-CREATED_MAX_RETRIES": "7"}, []string{"orders-created"},
			`WORKER_TOPIC_OPTIONS_ORDERS-CREATED_MAX_RETRIES: no registered topic "orders-created" (registered: orders-created); the variable of topic "orders-created" is WORKER_TOPIC_OPTIONS_ORDERS_CREATED_MAX_RETRIES`, nil},
		{map[string]string{"WORKER_TOPIC_OPTIONS_ORDERS_CREATED_MAX_RETRIES": "7"}, []string{"orders.created", "orders_created"},
			`WORKER_TOPIC_OPTIONS_ORDERS_CREATED_MAX_RETRIES: sets topics "orders.created" and "orders_created" alike: give it in the YAML file (worker.topic_options.<topic>.max_retries)`, nil},
		{map[string]string{"WORKER_TOPICS": "x.y", "WORKER_TOPIC_OPTIONS_A_B_CONCURRENCY": "2"}, []string{"a.b", "x.y"},
			`WORKER_TOPIC_OPTIONS_A_B_CONCURRENCY is set, but this process does not consume topic "a.b" (WORKER_TOPICS)`, nil},
	} {
		t.Run(tc.want, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			s, err := settings.Load(config.New())
			if err != nil {
				t.Fatal(err)
			}
			topics, warnings, err := s.Consume(topicsOf(tc.registered...))
			if tc.maxRetries == nil && err == nil {
				if got := strings.Join(warnings, "\n"); got != tc.want {
					t.Errorf("warnings %q, want %q", got, tc.want)
				}
				return
			}
			if tc.maxRetries == nil {
				if !strings.Contains(err.Error(), tc.want) {
					t.Errorf("error %v, want %q", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, topic := range topics {
				if topic.MaxRetries != tc.maxRetries[topic.Name] {
					t.Errorf("%s: max_retries %d, want %d", topic.Name, topic.MaxRetries, tc.maxRetries[topic.Name])
				}
			}
		})
	}
}

// A route of a topic WORKER_TOPICS leaves out would never be delivered:
// the start stops naming the topic and WORKER_TOPICS.
func TestRouteOutsideWorkerTopics(t *testing.T) {
	t.Parallel()
	s, err := settings.Load(config.NewFromMap(map[string]any{"worker.topics": "x.y", "dispatch.routes": "a.b=http://h/x"}))
	if err != nil {
		t.Fatal(err)
	}
	var reg worker.Registry
	reg.Register("a.b", nop)
	reg.Register("x.y", nop)
	_, _, err = s.Consume(reg.Registrations())
	want := `dispatch.routes (DISPATCH_ROUTES): the route of topic "a.b" would never be delivered: WORKER_TOPICS (worker.topics) leaves the topic out`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error %v, want %q", err, want)
	}
}

// A bad rate limit variable is named as written, not as a key holding
// the topic spelled with underscores.
func TestRateLimitVariableNamedAsWritten(t *testing.T) {
	t.Setenv("WORKER_TOPIC_OPTIONS_ORDER_REMINDER_RATE_LIMIT", "fast")
	_, err := settings.Load(config.New())
	if err == nil || !strings.Contains(err.Error(), "config: WORKER_TOPIC_OPTIONS_ORDER_REMINDER_RATE_LIMIT: ") || strings.Contains(err.Error(), "order_reminder") {
		t.Errorf("error %v, want one naming WORKER_TOPIC_OPTIONS_ORDER_REMINDER_RATE_LIMIT only", err)
	}
}

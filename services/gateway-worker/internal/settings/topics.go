package settings

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"goweb/pkg/config"
	"goweb/pkg/redis"
	"goweb/services/gateway-worker/internal/worker"
)

// Topic is how one topic is consumed: its effective options.
type Topic struct {
	Name           string
	Concurrency    int
	MaxRetries     int
	HandlerTimeout time.Duration // 0: no limit
	// Flow control across all processes (redis.WithRateLimit,
	// redis.WithGlobalConcurrency); nil and 0 are none.
	RateLimit         *redis.RateLimit
	GlobalConcurrency int
}

// SubscribeOptions returns the topic's settings as queue options.
func (t Topic) SubscribeOptions() []redis.SubscribeOption {
	opts := []redis.SubscribeOption{redis.WithConcurrency(t.Concurrency), redis.WithMaxRetries(t.MaxRetries)}
	if t.HandlerTimeout > 0 {
		opts = append(opts, redis.WithHandlerTimeout(t.HandlerTimeout))
	}
	if t.RateLimit != nil {
		opts = append(opts, redis.WithRateLimit(*t.RateLimit))
	}
	if t.GlobalConcurrency > 0 {
		opts = append(opts, redis.WithGlobalConcurrency(t.GlobalConcurrency))
	}
	return opts
}

var (
	errUnknownOption = errors.New("unknown option (want " + strings.Join(topicOptions, ", ") + ")")
	errNoTopic       = errors.New("missing topic")
	errLowerCase     = errors.New("variable names are upper case: write WORKER_TOPIC_OPTIONS_<TOPIC>_<OPTION>, such as WORKER_TOPIC_OPTIONS_PAYMENT_RETRY_CONCURRENCY")
)

// splitTopicOption splits a per-topic option, as a dotted key
// (worker.topic_options.payment.retry.concurrency) or a variable
// (WORKER_TOPIC_OPTIONS_PAYMENT_RETRY_CONCURRENCY), into the topic as
// spelled there and the option.
func splitTopicOption(name string) (topic, opt string, err error) {
	if rest, ok := strings.CutPrefix(name, KeyTopicOptions+"."); ok {
		i := strings.LastIndexByte(rest, '.')
		if i < 0 {
			return "", "", errUnknownOption
		}
		topic, opt = rest[:i], rest[i+1:]
		if !slices.Contains(topicOptions, opt) {
			return "", "", errUnknownOption
		}
		if topic == "" {
			return "", "", errNoTopic
		}
		return topic, opt, nil
	}
	rest, ok := strings.CutPrefix(name, config.EnvName(KeyTopicOptions)+"_")
	if !ok {
		return "", "", errUnknownOption
	}
	if rest != strings.ToUpper(rest) {
		return "", "", errLowerCase
	}
	// The longest option that ends the name: _GLOBAL_CONCURRENCY, not
	// _CONCURRENCY of topic "..._GLOBAL".
	for _, o := range topicOptions {
		if t, ok := strings.CutSuffix(rest, "_"+strings.ToUpper(o)); ok && len(o) > len(opt) {
			topic, opt = t, o
		}
	}
	switch {
	case opt == "":
		return "", "", errUnknownOption
	case topic == "":
		return "", "", errNoTopic
	}
	return strings.ToLower(topic), opt, nil
}

// readTopicOptions checks every per-topic option that is set: its name
// (a misspelled option is refused) and its value (bounded like the
// worker-wide setting). Which topic it names is checked by Consume, once
// the handlers are registered.
func (r *reader) readTopicOptions() []string {
	names := r.cfg.NamesUnder(KeyTopicOptions)
	for _, name := range names {
		topic, opt, err := splitTopicOption(name)
		if err != nil {
			r.fail(name, "%v", err)
			continue
		}
		switch opt {
		case OptHandlerTimeout:
			get(r, topicDuration(topic, 0))
		case OptRateLimit:
			// Named as given: a variable spells the topic with
			// underscores, which the key would show as the topic's name.
			r.rateLimit(topicKey(topic, opt), name)
		case OptGlobalConcurrency:
			get(r, topicGlobalConcurrency(topic))
		default:
			get(r, topicInt(topic, opt, 0))
		}
	}
	return names
}

// Consume returns how each consumed topic runs: its own setting
// (worker.topic_options.<topic>.*) wins over the defaults its handler was
// registered with (worker.Defaults), which win over the worker-wide
// settings (worker.concurrency, ...). The result is what the consumers use
// and what the start line shows.
//
// A per-topic option naming no registered topic is refused: it is almost
// always a typo (WORKER_TOPIC_OPTIONS_ORDER_REMINDR_MAX_RETRIES). One for a
// registered topic this process does not consume (WORKER_TOPICS leaves it
// out) is only warned about: one ConfigMap often serves deployments that
// consume different topics.
func (s *Settings) Consume(regs []worker.Registration) (topics Topics, warnings []string, err error) {
	registered := make([]string, len(regs))
	for i, g := range regs {
		registered[i] = g.Topic
	}
	r := reader{cfg: s.cfg}
	names := r.topics(s.topics, registered)
	for _, name := range s.topicOptionNames {
		spelled, opt, _ := splitTopicOption(name)
		targets := optionTopics(name, opt, registered)
		switch {
		case len(targets) > 1:
			r.fail(name, "sets topics %s alike: give it in the YAML file (%s.<topic>.%s), where the topic is spelled out",
				quoteAll(targets), KeyTopicOptions, opt)
		case len(targets) == 0:
			r.fail(name, "no registered topic %q (registered: %s)%s", spelled, strings.Join(registered, ", "), optionHint(name, opt, registered))
		case !slices.Contains(names, targets[0]):
			warnings = append(warnings, fmt.Sprintf("%s is set, but this process does not consume topic %q (%s)",
				name, targets[0], config.EnvName(KeyTopics)))
		}
	}
	if s.topics != nil {
		for _, route := range s.Dispatch.Routes {
			if !slices.Contains(names, route.Topic) {
				r.fail(KeyDispatchRoutes, "the route of topic %q would never be delivered: %s (%s) leaves the topic out; add it there or remove the route",
					route.Topic, config.EnvName(KeyTopics), KeyTopics)
			}
		}
	}
	for _, name := range names {
		g := regs[slices.Index(registered, name)]
		t := Topic{Name: name, Concurrency: s.Concurrency, MaxRetries: s.MaxRetries, HandlerTimeout: s.HandlerTimeout}
		if g.Defaults.Concurrency > 0 {
			t.Concurrency = g.Defaults.Concurrency
		}
		if g.Defaults.HandlerTimeout > 0 {
			t.HandlerTimeout = g.Defaults.HandlerTimeout
		}
		t.Concurrency = get(&r, topicInt(name, OptConcurrency, t.Concurrency))
		t.MaxRetries = get(&r, topicInt(name, OptMaxRetries, t.MaxRetries))
		t.HandlerTimeout = get(&r, topicDuration(name, t.HandlerTimeout))
		t.RateLimit = r.rateLimit(topicKey(name, OptRateLimit), topicKey(name, OptRateLimit))
		t.GlobalConcurrency = get(&r, topicGlobalConcurrency(name))
		topics = append(topics, t)
	}
	if err := errors.Join(r.errs...); err != nil {
		return nil, nil, err
	}
	return topics, warnings, nil
}

// optionTopics returns the registered topics that the per-topic option
// name (a dotted key or a variable) sets: a variable spells the topic with
// every character other than a letter or digit as "_", so one variable may
// set several topics (orders.created and orders_created).
func optionTopics(name, opt string, registered []string) []string {
	var out []string
	for _, t := range registered {
		key := topicKey(t, opt)
		if config.SameKey(name, key) || name == config.EnvName(key) {
			out = append(out, t)
		}
	}
	return out
}

// optionHint names the variable of a registered topic that the option
// name almost spells (WORKER_TOPIC_OPTIONS_ORDERS-CREATED_...).
func optionHint(name, opt string, registered []string) string {
	for _, t := range registered {
		if v := config.EnvName(topicKey(t, opt)); config.EnvName(name) == v {
			return fmt.Sprintf("; the variable of topic %q is %s", t, v)
		}
	}
	return ""
}

func quoteAll(topics []string) string {
	q := make([]string, len(topics))
	for i, t := range topics {
		q[i] = strconv.Quote(t)
	}
	return strings.Join(q, " and ")
}

// topics resolves worker.topics against the registered handlers.
func (r *reader) topics(listed, registered []string) []string {
	if listed == nil {
		return registered
	}
	var out []string
	for _, name := range listed {
		if !slices.Contains(registered, name) {
			r.fail(KeyTopics, "topic %q has no handler (registered: %s)", name, strings.Join(registered, ", "))
			continue
		}
		out = append(out, name)
	}
	return out
}

// rateLimit reads a rate limit such as 50/s, 3000/m or 10/s:20; nil when
// it is not set or bad (recorded in r, naming label).
func (r *reader) rateLimit(key, label string) *redis.RateLimit {
	if !r.cfg.IsSet(key) {
		return nil
	}
	v := strings.TrimSpace(r.scalar(key))
	if v == "" {
		return nil // a list or mapping, recorded
	}
	rl, err := redis.ParseRateLimit(v)
	if err != nil {
		r.fail(label, "%v", err)
		return nil
	}
	return &rl
}

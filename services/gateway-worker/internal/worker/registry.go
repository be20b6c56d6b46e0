// Package worker registers message handlers by topic and runs one queue
// consumer per topic.
//
// A team adds its own topic by registering a handler, the way the seed's
// CustomWorkerService maps topics to methods:
//
//	func RegisterEmail(r worker.Registrar, svc *EmailService) {
//		r.RegisterWith("email.send", svc.handleEmailSend, worker.Defaults{Concurrency: 4})
//	}
//
// and passing that function to app.Options.Register. The topic's
// concurrency is then its own setting (worker.topic_options.<topic>.
// concurrency) if set, else the Defaults given here, else the worker-wide
// worker.concurrency; the start line shows the result. Concurrency, retries
// and handler timeout passed as subscribe options are overridden by the
// settings: use Defaults for them.
package worker

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"goweb/pkg/redis"
)

// Registrar is the one interface handlers are registered through.
type Registrar interface {
	// Register makes h the handler of topic. opts are subscribe options;
	// the topic's settings (concurrency, max_retries, handler_timeout)
	// override any they set.
	Register(topic string, h redis.MessageHandler, opts ...redis.SubscribeOption)
	// RegisterWith is Register with defaults of the topic's own, which win
	// over the worker-wide settings (WORKER_CONCURRENCY) and lose to the
	// topic's own (WORKER_TOPIC_OPTIONS_<TOPIC>_CONCURRENCY). The start
	// line shows the result.
	RegisterWith(topic string, h redis.MessageHandler, d Defaults, opts ...redis.SubscribeOption)
}

// Defaults are a topic's own defaults, given by its handler's author.
type Defaults struct {
	// Concurrency is how many handlers run at once. 0: the worker-wide
	// setting.
	Concurrency int
	// HandlerTimeout bounds one handler call (a routed topic's request
	// timeout). 0: the worker-wide setting.
	HandlerTimeout time.Duration
}

// Registration is one registered handler.
type Registration struct {
	Topic    string
	Handler  redis.MessageHandler
	Defaults Defaults
	Options  []redis.SubscribeOption
}

// Registry is a Registrar that keeps registrations in order. It is safe for
// concurrent use.
type Registry struct {
	mu   sync.Mutex
	regs []Registration
	errs []error
}

// Register records h for topic. An invalid topic, a nil handler or a second
// handler for a topic is reported by Err.
func (r *Registry) Register(topic string, h redis.MessageHandler, opts ...redis.SubscribeOption) {
	r.RegisterWith(topic, h, Defaults{}, opts...)
}

// RegisterWith records h for topic with the topic's own defaults; errors
// as Register.
func (r *Registry) RegisterWith(topic string, h redis.MessageHandler, d Defaults, opts ...redis.SubscribeOption) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case redis.ValidateTopic(topic) != nil:
		r.errs = append(r.errs, fmt.Errorf("worker: register: %w", redis.ValidateTopic(topic)))
	case h == nil:
		r.errs = append(r.errs, fmt.Errorf("worker: register %q: nil handler", topic))
	case slices.ContainsFunc(r.regs, func(g Registration) bool { return g.Topic == topic }):
		r.errs = append(r.errs, fmt.Errorf("worker: register %q: topic already has a handler", topic))
	default:
		r.regs = append(r.regs, Registration{Topic: topic, Handler: h, Defaults: d, Options: slices.Clone(opts)})
	}
}

// Err reports every failed Register call.
func (r *Registry) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return errors.Join(r.errs...)
}

// Registrations returns the registrations in registration order.
func (r *Registry) Registrations() []Registration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.regs)
}

// Topics returns the registered topics in registration order.
func (r *Registry) Topics() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, len(r.regs))
	for i, g := range r.regs {
		out[i] = g.Topic
	}
	return out
}

// Lookup returns topic's registration.
func (r *Registry) Lookup(topic string) (Registration, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	i := slices.IndexFunc(r.regs, func(g Registration) bool { return g.Topic == topic })
	if i < 0 {
		return Registration{}, false
	}
	return r.regs[i], true
}

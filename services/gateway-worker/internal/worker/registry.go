// Package worker registers message handlers by topic and runs one queue
// consumer per topic.
//
// A team adds its own topic by registering a handler, the way the seed's
// CustomWorkerService maps topics to methods:
//
//	func RegisterEmail(r worker.Registrar, svc *EmailService) {
//		r.Register("email.send", svc.handleEmailSend, redis.WithConcurrency(4))
//	}
//
// and passing that function to app.Options.Register. Options given to
// Register are defaults: the topic's settings (worker.concurrency,
// worker.topic_options.<topic>.*) override them.
package worker

import (
	"errors"
	"fmt"
	"slices"
	"sync"

	"goweb/pkg/redis"
)

// Registrar is the one interface handlers are registered through.
type Registrar interface {
	// Register makes h the handler of topic. opts are the topic's default
	// subscribe options.
	Register(topic string, h redis.MessageHandler, opts ...redis.SubscribeOption)
}

// Registration is one registered handler.
type Registration struct {
	Topic   string
	Handler redis.MessageHandler
	Options []redis.SubscribeOption
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
		r.regs = append(r.regs, Registration{Topic: topic, Handler: h, Options: slices.Clone(opts)})
	}
}

// Err reports every failed Register call.
func (r *Registry) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return errors.Join(r.errs...)
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

package dispatch

import (
	"errors"
	"fmt"
)

var (
	// ErrBadRoute matches every *RouteError.
	ErrBadRoute = errors.New("bad dispatch route")
	// ErrBadSecret is wrapped by errors about a signing secret.
	ErrBadSecret = errors.New("bad signing secret")
	// ErrBreakerOpen is why a message was held back: its route's breaker
	// is open. It is not an attempt.
	ErrBreakerOpen = errors.New("circuit breaker open")
)

// RouteError names the route and field a configuration problem is in.
type RouteError struct {
	Source string // where routes came from: "dispatch.routes" or "DISPATCH_ROUTES"
	Index  int    // the route's position, from 0; -1 for the list as a whole
	Topic  string // empty when the topic itself is the problem
	Field  string // "url", "signing_secrets[1]", "headers.Authorization", ...
	Reason string // never contains a secret or header value
}

func (e *RouteError) Error() string {
	where := e.Source
	if e.Index >= 0 {
		where += fmt.Sprintf("[%d]", e.Index)
	}
	if e.Topic != "" {
		where += fmt.Sprintf(" (topic %q)", e.Topic)
	}
	if e.Field == "" { // the whole list
		return fmt.Sprintf("%s: %s", where, e.Reason)
	}
	return fmt.Sprintf("%s: %s: %s", where, e.Field, e.Reason)
}

// Is reports whether target is ErrBadRoute.
func (e *RouteError) Is(target error) bool { return target == ErrBadRoute }

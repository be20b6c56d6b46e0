package dispatch

import (
	"fmt"
	"strings"
)

// ParseEnvRoutes reads the DISPATCH_ROUTES form, <topic>=<url> pairs
// separated by ";":
//
//	orders.created=http://orders:8080/hooks/created;payments.done=https://pay.internal/hooks
//
// The routes take every other field's default; ParseRoutes validates them.
func ParseEnvRoutes(s string) ([]RawRoute, error) {
	var out []RawRoute
	for i, entry := range strings.Split(s, ";") {
		if entry = strings.TrimSpace(entry); entry == "" {
			continue
		}
		topic, u, ok := strings.Cut(entry, "=")
		if !ok {
			// The entry may be a bare URL with a token: do not quote it.
			return nil, &RouteError{Source: EnvRoutes, Index: i, Field: "entry", Reason: fmt.Sprintf("entry %d is not <topic>=<url>", i+1)}
		}
		out = append(out, RawRoute{Topic: strings.TrimSpace(topic), URL: strings.TrimSpace(u)})
	}
	return out, nil
}

// Where routes come from, as RouteError.Source names them.
const (
	EnvRoutes  = "DISPATCH_ROUTES"
	YAMLRoutes = "dispatch.routes"
)

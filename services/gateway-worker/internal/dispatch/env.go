package dispatch

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
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

// ParseRoutesText reads the text of the dispatch.routes setting: the JSON
// list a YAML file's routes become (pkg/config keeps a list of mappings as
// JSON), or, from DISPATCH_ROUTES, that JSON or the <topic>=<url> form.
// Unknown fields are errors, so a misspelt field is not silently ignored.
func ParseRoutesText(source, text string, getenv func(string) (string, bool)) ([]Route, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, nil
	}
	var raw []RawRoute
	if strings.HasPrefix(text, "[") {
		dec := json.NewDecoder(strings.NewReader(text))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&raw); err != nil {
			return nil, &RouteError{Source: source, Index: -1, Reason: describeJSON(err)}
		}
	} else {
		var err error
		if raw, err = ParseEnvRoutes(text); err != nil {
			return nil, err
		}
	}
	return ParseRoutes(source, raw, getenv)
}

// describeJSON says what is wrong without quoting the input, which may
// hold secrets.
func describeJSON(err error) string {
	var (
		typeErr *json.UnmarshalTypeError
		syntax  *json.SyntaxError
	)
	switch {
	case errors.As(err, &typeErr) && typeErr.Field == "":
		return fmt.Sprintf("want a JSON list of routes, not a JSON %s", typeErr.Value)
	case errors.As(err, &typeErr):
		return fmt.Sprintf("field %q: want a %s, not a JSON %s", typeErr.Field, typeErr.Type, typeErr.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field"):
		return strings.TrimPrefix(err.Error(), "json: ")
	case errors.As(err, &syntax):
		return fmt.Sprintf("invalid JSON at byte %d", syntax.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "invalid JSON: it ends before the list of routes does"
	}
	return "not a JSON list of routes"
}

// Where routes come from, as RouteError.Source names them.
const (
	EnvRoutes  = "DISPATCH_ROUTES"
	YAMLRoutes = "dispatch.routes"
)

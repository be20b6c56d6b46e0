package settings_test

import (
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"goweb/pkg/config"
	"goweb/services/gateway-worker/internal/dispatch"
	"goweb/services/gateway-worker/internal/settings"
)

const testSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

func TestDispatchSettings(t *testing.T) {
	t.Parallel()
	cfg := config.NewFromMap(map[string]any{
		"dispatch": map[string]any{
			"routes":           `[{"topic":"orders.created","url":"http://orders:8080/hooks/created","timeout":"5s"},{"topic":"payments.done","url":"https://pay.internal/hooks"}]`,
			"signing_secret":   testSecret,
			"breaker_failures": 7,
		},
	})
	s, err := settings.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	d := s.Dispatch
	if len(d.Routes) != 2 || d.Routes[0].Timeout != 5*time.Second || d.Routes[1].Timeout != 0 ||
		len(d.DefaultSecrets) != 1 || d.Breaker.Failures != 7 || d.Breaker.Cooldown != dispatch.DefaultBreakerCooldown ||
		d.MaxRetryAfter != dispatch.DefaultMaxRetryAfter {
		t.Errorf("dispatch = %+v", d)
	}
	// The start line counts the secrets each route signs with, the
	// default one included.
	var logged strings.Builder
	slog.New(slog.NewTextHandler(&logged, nil)).Info("starting", "routes", d.Routes)
	if got := strings.Count(logged.String(), "signing_secrets=1"); got != 2 {
		t.Errorf("start line shows %d routes signed by the default secret, want 2: %s", got, logged.String())
	}
	if s, err := settings.Load(config.NewFromMap(nil)); err != nil || len(s.Dispatch.Routes) != 0 {
		t.Errorf("no routes by default: %+v, %v", s.Dispatch, err)
	}
}

func TestBadDispatchSettings(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		dispatch map[string]any
		want     string
	}{
		"url without scheme": {map[string]any{"routes": "orders.created=orders:8080/hook"},
			`config: dispatch.routes (DISPATCH_ROUTES): routes[0] (topic "orders.created"): url: must begin with http:// or https://`},
		"malformed JSON": {map[string]any{"routes": `[{"topic":"a","url":"http://a"},x]`},
			"config: dispatch.routes (DISPATCH_ROUTES): routes: invalid JSON at byte 33"},
		"unknown body": {map[string]any{"routes": `[{"topic":"a","url":"http://a","body":"xml"}]`},
			`routes[0] (topic "a"): body: "xml" is not "data" or "envelope"`},
		"bad route secret": {map[string]any{"routes": `[{"topic":"a","url":"http://a","signing_secrets":["whsec_!!"]}]`},
			`routes[0] (topic "a"): signing_secrets[0]: bad signing secret`},
		"invalid topic": {map[string]any{"routes": "bad topic=http://a"},
			`routes[0] (topic "bad topic"): topic: invalid topic`},
		"bad default secret": {map[string]any{"signing_secret": "nope"},
			`config: dispatch.signing_secret (DISPATCH_SIGNING_SECRET): bad signing secret: must begin with "whsec_"`},
		"breaker failures": {map[string]any{"breaker_failures": 0},
			"dispatch.breaker_failures"},
		"breaker cooldown": {map[string]any{"breaker_cooldown": "2h"},
			"config: dispatch.breaker_cooldown (DISPATCH_BREAKER_COOLDOWN)=\"2h\" (from map): out of range: want 100ms..1h0m0s"},
		"max retry after": {map[string]any{"max_retry_after": "0s"},
			"dispatch.max_retry_after"},
	} {
		_, err := settings.Load(config.NewFromMap(map[string]any{"dispatch": tc.dispatch}))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", name, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "!!") {
			t.Errorf("%s: the error quotes the secret: %v", name, err)
		}
	}
}

func TestDispatchSecretsNotLogged(t *testing.T) {
	t.Parallel()
	cfg := config.NewFromMap(map[string]any{"dispatch": map[string]any{
		"routes":         `[{"topic":"a","url":"http://a/?token=t0ken","headers":{"Authorization":"Bearer b34rer"},"signing_secrets":["` + testSecret + `"]}]`,
		"signing_secret": testSecret,
	}})
	s, err := settings.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var logged strings.Builder
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("starting", "config", s)
	printed := fmt.Sprintf("%v %+v %#v %+v", s, *s, *s, s.Dispatch) + logged.String()
	for _, leak := range []string{"MfKQ9r8G", "b34rer", "t0ken"} {
		if strings.Contains(printed, leak) {
			t.Errorf("%q printed: %s", leak, printed)
		}
	}
}

func TestDispatchKeysAreKnown(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"DISPATCH_ROUTES", "DISPATCH_SIGNING_SECRET", "DISPATCH_MAX_RETRY_AFTER", "DISPATCH_BREAKER_FAILURES", "DISPATCH_BREAKER_COOLDOWN"} {
		if !settings.IsEnvName(name) {
			t.Errorf("%s is not a known variable", name)
		}
	}
}

// TestDocsListEveryDispatchVariable keeps docs/dispatch.md and
// docs/service.md from drifting.
func TestDocsListEveryDispatchVariable(t *testing.T) {
	t.Parallel()
	for _, doc := range []string{"../../../../docs/dispatch.md", "../../../../docs/service.md"} {
		b, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range settings.EnvNames() {
			if strings.HasPrefix(name, "DISPATCH_") && !strings.Contains(string(b), "`"+name+"`") {
				t.Errorf("%s does not list %s", doc, name)
			}
		}
	}
}

// A route at the highest concurrency keeps every connection alive.
func TestDispatchIdleConnectionsCoverConcurrency(t *testing.T) {
	t.Parallel()
	if dispatch.MaxIdleConnsPerHost < settings.MaxConcurrency {
		t.Errorf("dispatch.MaxIdleConnsPerHost %d < settings.MaxConcurrency %d", dispatch.MaxIdleConnsPerHost, settings.MaxConcurrency)
	}
}

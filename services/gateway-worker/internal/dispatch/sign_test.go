package dispatch_test

import (
	"crypto/rand"
	"encoding/base64"
	"strings"
	"testing"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"goweb/services/gateway-worker/internal/dispatch"
)

func newSecret(t *testing.T) string {
	t.Helper()
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	return "whsec_" + base64.StdEncoding.EncodeToString(key)
}

// verify checks r's signature with the reference Standard Webhooks
// library, as a receiver holding secret would.
func verify(t *testing.T, secret string, r request) error {
	t.Helper()
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	return wh.Verify(r.body, r.header)
}

func TestSignaturesVerifyWithTheReferenceLibrary(t *testing.T) {
	t.Parallel()
	b := setup(t)
	secret := newSecret(t)
	s, err := dispatch.ParseSecret(secret)
	if err != nil {
		t.Fatal(err)
	}
	b.start(t, dispatch.Config{Routes: []dispatch.Route{b.route(t, nil)}, DefaultSecrets: []dispatch.Secret{s}})
	b.publish(t, map[string]interface{}{"order_id": "12345", "note": "ünïcode & <html>"})
	eventually(t, "delivery", func() bool { return b.stats(t).Processed == 1 })
	r := b.recv.all()[0]
	if err := verify(t, secret, r); err != nil {
		t.Errorf("reference library: %v", err)
	}
	if err := verify(t, newSecret(t), r); err == nil {
		t.Error("a signature verified with another secret")
	}
	r.body = append(r.body[:len(r.body)-1], ' ', '}')
	if err := verify(t, secret, r); err == nil {
		t.Error("a changed body verified")
	}
}

// TestSecretRotation: during a rotation the route lists the old and the
// new secret; receivers holding either verify every request.
func TestSecretRotation(t *testing.T) {
	t.Parallel()
	b := setup(t)
	oldSecret, newSecret := newSecret(t), newSecret(t)
	b.start(t, dispatch.Config{Routes: []dispatch.Route{b.route(t, func(r *dispatch.RawRoute) {
		r.SigningSecrets = []string{oldSecret, newSecret}
		r.Body = "envelope"
	})}})
	for i := 0; i < 3; i++ {
		b.publish(t, map[string]interface{}{"n": i})
	}
	eventually(t, "deliveries", func() bool { return b.stats(t).Processed == 3 })
	for _, r := range b.recv.all() {
		if sigs := strings.Fields(r.header.Get("Webhook-Signature")); len(sigs) != 2 || !strings.HasPrefix(sigs[0], "v1,") {
			t.Errorf("webhook-signature %q: want two v1 signatures", sigs)
		}
		for name, secret := range map[string]string{"old": oldSecret, "new": newSecret} {
			if err := verify(t, secret, r); err != nil {
				t.Errorf("receiver with the %s secret: %v", name, err)
			}
		}
	}
}

func TestSecretNeverShows(t *testing.T) {
	t.Parallel()
	secret := newSecret(t)
	s, err := dispatch.ParseSecret(secret)
	if err != nil {
		t.Fatal(err)
	}
	routes, err := dispatch.ParseRoutes(dispatch.YAMLRoutes, []dispatch.RawRoute{{
		Topic: "orders.created", URL: "https://user:pw@example.com/hook?token=t0ken", SigningSecrets: []string{secret},
		Headers: map[string]string{"Authorization": "Bearer ${DISPATCH_TEST_TOKEN}"},
	}}, testEnv)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	log := slogTo(&out)
	log.Info("route", "route", routes[0], "secret", s)
	printed := out.String() + s.String() + s.GoString()
	for _, leak := range []string{strings.TrimPrefix(secret, "whsec_"), "s3cret-token", "t0ken", ":pw@"} {
		if strings.Contains(printed, leak) {
			t.Errorf("%q shows in %s", leak, printed)
		}
	}
	if !strings.Contains(printed, "Authorization") || !strings.Contains(printed, "example.com/hook") {
		t.Errorf("the log should still name the header and the host: %s", printed)
	}
	// A bad secret's error does not quote it either.
	bad := "whsec_" + strings.Repeat("A", 8) + "!!"
	if _, err := dispatch.ParseSecret(bad); err == nil || strings.Contains(err.Error(), "AAAAAAAA") {
		t.Errorf("ParseSecret(bad) = %v", err)
	}
}

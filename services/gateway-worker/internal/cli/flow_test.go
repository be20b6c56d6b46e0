package cli

import (
	"slices"
	"strings"
	"testing"
)

// pause and resume change what every consumer sees, read back through the
// Inspector; a bad topic is a usage error that changes nothing.
func TestPauseAndResume(t *testing.T) {
	t.Parallel()
	b := setup(t)
	insp := b.m.Inspector()
	ctx := t.Context()
	// Never published to or consumed: refused without --force, and
	// --force leaves no trace once resumed.
	if r := b.run(t, "pause", b.topic); r.code == ExitOK || !strings.Contains(r.stderr, "topic was never published to or consumed (a typo?); to pause it before its first use, give --force") {
		t.Errorf("pause of an unused topic: exit %d, stderr %q", r.code, r.stderr)
	}
	if p, err := insp.Paused(ctx, b.topic); err != nil || p {
		t.Fatalf("after a refused pause: paused %v, %v", p, err)
	}
	if r := b.run(t, "resume", b.topic); r.code != ExitError || !strings.Contains(r.stderr, "topic was never published to or consumed (a typo?); it is not paused either") {
		t.Errorf("resume of an unused topic: exit %d, stderr %q", r.code, r.stderr)
	}
	b.run(t, "pause", b.topic, "--force").ok(t)
	if p, err := insp.Paused(ctx, b.topic); err != nil || !p {
		t.Fatalf("after pause --force: paused %v, %v", p, err)
	}
	b.run(t, "resume", b.topic).ok(t)
	if topics, err := insp.Topics(ctx); err != nil || slices.Contains(topics, b.topic) {
		t.Errorf("topics after pause --force and resume: %v, %v; want %s not listed", topics, err, b.topic)
	}

	b.run(t, "publish", b.topic, `{}`).ok(t)
	if r := b.run(t, "pause", b.topic).ok(t); !strings.Contains(r.stdout, "paused "+b.topic) {
		t.Errorf("pause printed %q", r.stdout)
	}
	if p, err := insp.Paused(ctx, b.topic); err != nil || !p {
		t.Fatalf("after pause: paused %v, %v", p, err)
	}
	if p := column(t, b.run(t, "stats", b.topic).ok(t).stdout, b.topic+" ", "PAUSED"); p != "true" {
		t.Errorf("stats after pause: PAUSED %s, want true", p)
	}
	if p := column(t, b.run(t, "topics").ok(t).stdout, b.topic+" ", "PAUSED"); p != "true" {
		t.Errorf("topics after pause: PAUSED %s, want true", p)
	}
	b.run(t, "resume", b.topic).ok(t)
	if p, err := insp.Paused(ctx, b.topic); err != nil || p {
		t.Fatalf("after resume: paused %v, %v", p, err)
	}
	if r := b.run(t, "pause", "bad topic"); r.code != ExitUsage || !strings.Contains(r.stderr, "invalid topic") {
		t.Errorf("bad topic: exit %d, stderr %q", r.code, r.stderr)
	}
}

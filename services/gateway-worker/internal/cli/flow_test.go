package cli

import (
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
	if r := b.run(t, "pause", b.topic).ok(t); !strings.Contains(r.stdout, "paused "+b.topic) {
		t.Errorf("pause printed %q", r.stdout)
	}
	if p, err := insp.Paused(ctx, b.topic); err != nil || !p {
		t.Fatalf("after pause: paused %v, %v", p, err)
	}
	if row := line(t, b.run(t, "stats", b.topic).ok(t).stdout, b.topic+" "); row[len(row)-1] != "true" {
		t.Errorf("stats after pause: %v, want PAUSED true", row)
	}
	b.run(t, "resume", b.topic).ok(t)
	if p, err := insp.Paused(ctx, b.topic); err != nil || p {
		t.Fatalf("after resume: paused %v, %v", p, err)
	}
	if r := b.run(t, "pause", "bad topic"); r.code != ExitUsage || !strings.Contains(r.stderr, "invalid topic") {
		t.Errorf("bad topic: exit %d, stderr %q", r.code, r.stderr)
	}
}

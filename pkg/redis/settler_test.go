package redis

import (
	"strings"
	"testing"
)

func TestReadableIDKeepsTheProducersID(t *testing.T) {
	t.Parallel()
	for entry, want := range map[string]string{
		`{"id":"pay-77","data":"oops"}`: "pay-77", // issue 10 item 8
		`{"data":[1],"id":"pay-78"}`:    "pay-78",
		`{"id":"has space","data":{}}`:  "", // not a valid id
		`{"id":5,"data":{}}`:            "",
		`not json`:                      "",
		`{"id":"pay-79",`:               "", // cannot be read
	} {
		if got := readableID(entry); got != want {
			t.Errorf("readableID(%s) = %q, want %q", entry, got, want)
		}
	}
}

func TestCapLoggedCutsLongEntries(t *testing.T) {
	t.Parallel()
	if got := capLogged("short"); got != "short" {
		t.Errorf("capLogged(short) = %q", got)
	}
	long := strings.Repeat("x", 900_000)
	got := capLogged(long)
	if !strings.HasPrefix(got, strings.Repeat("x", maxLogged)) || len(got) > maxLogged+len("…") {
		t.Errorf("capLogged of %d bytes gave %d bytes", len(long), len(got))
	}
}

package redis_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"goweb/pkg/redis"
)

func TestValidateTopic(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"order.reminder", "a", "A-b_c:d.9", strings.Repeat("x", redis.MaxTopicLen)} {
		if err := redis.ValidateTopic(ok); err != nil {
			t.Errorf("ValidateTopic(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "a b", "{mq:x}", "a}", "tab\t", "nl\n", "é", "a/b", "a*", ".", "..", "...", strings.Repeat("x", redis.MaxTopicLen+1)} {
		err := redis.ValidateTopic(bad)
		var te *redis.TopicError
		if !errors.Is(err, redis.ErrInvalidTopic) || !errors.As(err, &te) {
			t.Errorf("ValidateTopic(%q) = %v, want a TopicError", bad, err)
		}
	}
}

// TestValidateTopicReasons checks that a refusal names what is wrong: a
// non-ASCII character as the character, not as one byte of its UTF-8
// encoding shown as Latin-1 ('è' for the first byte of 订), and a name of
// dots only as such.
func TestValidateTopicReasons(t *testing.T) {
	t.Parallel()
	for topic, want := range map[string]string{
		"订单":     `character '订' (U+8BA2) at byte 0 is not ASCII`,
		"order订": `character '订' (U+8BA2) at byte 5 is not ASCII`,
		"a\xffb": `byte 0xff at 1 is not valid UTF-8`,
		"a b":    `character ' ' at byte 1 is not one of A-Z a-z 0-9 . _ : -`,
		".":      "made of dots only",
		"..":     "made of dots only",
		"...":    "made of dots only",
	} {
		err := redis.ValidateTopic(topic)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ValidateTopic(%q) = %v, want it to say %q", topic, err, want)
		}
		if err != nil && strings.ContainsRune(err.Error(), 'è') {
			t.Errorf("ValidateTopic(%q) = %v: shows a UTF-8 byte as Latin-1", topic, err)
		}
	}
	for _, ok := range []string{"a.b", ".a", "a..", "..a"} {
		if err := redis.ValidateTopic(ok); err != nil {
			t.Errorf("ValidateTopic(%q) = %v, want it accepted", ok, err)
		}
	}
}

// FuzzValidateTopic checks that an accepted topic can never address another
// topic's keys or slot: no braces, spaces or control bytes get through.
func FuzzValidateTopic(f *testing.F) {
	for _, s := range []string{"order.reminder", "{x}", "a b", "", "\x00", "mq:x", "a}b{"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, topic string) {
		if err := redis.ValidateTopic(topic); err != nil {
			if !utf8.ValidString(err.Error()) {
				t.Fatalf("refusal of %q is not valid UTF-8: %q", topic, err.Error())
			}
			return
		}
		if len(topic) == 0 || len(topic) > redis.MaxTopicLen || strings.ContainsAny(topic, "{}* \t\r\n\"\\") {
			t.Fatalf("accepted %q", topic)
		}
		if strings.Trim(topic, ".") == "" {
			t.Fatalf("accepted %q, dots only", topic)
		}
		for _, r := range topic {
			if r < 0x21 || r > 0x7e {
				t.Fatalf("accepted %q with byte %q", topic, r)
			}
		}
	})
}

package redis_test

import (
	"errors"
	"strings"
	"testing"

	"goweb/pkg/redis"
)

func TestValidateTopic(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"order.reminder", "a", "A-b_c:d.9", strings.Repeat("x", redis.MaxTopicLen)} {
		if err := redis.ValidateTopic(ok); err != nil {
			t.Errorf("ValidateTopic(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "a b", "{mq:x}", "a}", "tab\t", "nl\n", "é", "a/b", "a*", strings.Repeat("x", redis.MaxTopicLen+1)} {
		err := redis.ValidateTopic(bad)
		var te *redis.TopicError
		if !errors.Is(err, redis.ErrInvalidTopic) || !errors.As(err, &te) {
			t.Errorf("ValidateTopic(%q) = %v, want a TopicError", bad, err)
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
		if redis.ValidateTopic(topic) != nil {
			return
		}
		if len(topic) == 0 || len(topic) > redis.MaxTopicLen || strings.ContainsAny(topic, "{}* \t\r\n\"\\") {
			t.Fatalf("accepted %q", topic)
		}
		for _, r := range topic {
			if r < 0x21 || r > 0x7e {
				t.Fatalf("accepted %q with byte %q", topic, r)
			}
		}
	})
}

package redis

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxTopicLen is the longest topic name accepted, in bytes.
const MaxTopicLen = 200

// ValidateTopic checks a topic name: 1 to MaxTopicLen bytes of ASCII
// letters, digits, '.', '_', ':' and '-', not made of dots only. Braces,
// spaces and control characters are refused so a topic can never change
// which keys or which Redis Cluster slot it addresses; "." and ".." would
// be read as path segments in the admin API's URLs.
func ValidateTopic(topic string) error {
	if topic == "" {
		return &TopicError{Topic: topic, Reason: "empty"}
	}
	if len(topic) > MaxTopicLen {
		return &TopicError{Topic: topic, Reason: fmt.Sprintf("longer than %d bytes", MaxTopicLen)}
	}
	for i := 0; i < len(topic); i++ {
		if !topicByte(topic[i]) {
			return &TopicError{Topic: topic, Reason: describeTopicChar(topic, i)}
		}
	}
	if strings.Trim(topic, ".") == "" {
		return &TopicError{Topic: topic, Reason: "made of dots only, which URLs read as path segments"}
	}
	return nil
}

// describeTopicChar says why the character at byte i is refused, naming the
// character rather than one byte of its UTF-8 encoding.
func describeTopicChar(topic string, i int) string {
	const allowed = "A-Z a-z 0-9 . _ : -"
	r, size := utf8.DecodeRuneInString(topic[i:])
	switch {
	case r == utf8.RuneError && size <= 1:
		return fmt.Sprintf("byte 0x%02x at %d is not valid UTF-8; only ASCII %s are allowed", topic[i], i, allowed)
	case r >= utf8.RuneSelf:
		return fmt.Sprintf("character %q (U+%04X) at byte %d is not ASCII; only %s are allowed", r, r, i, allowed)
	}
	return fmt.Sprintf("character %q at byte %d is not one of %s", r, i, allowed)
}

func topicByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	case c == '.', c == '_', c == ':', c == '-':
		return true
	}
	return false
}

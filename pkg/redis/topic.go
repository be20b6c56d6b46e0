package redis

import "fmt"

// MaxTopicLen is the longest topic name accepted, in bytes.
const MaxTopicLen = 200

// ValidateTopic checks a topic name: 1 to MaxTopicLen bytes of ASCII
// letters, digits, '.', '_', ':' and '-'. Braces, spaces and control
// characters are refused so a topic can never change which keys or which
// Redis Cluster slot it addresses.
func ValidateTopic(topic string) error {
	if topic == "" {
		return &TopicError{Topic: topic, Reason: "empty"}
	}
	if len(topic) > MaxTopicLen {
		return &TopicError{Topic: topic, Reason: fmt.Sprintf("longer than %d bytes", MaxTopicLen)}
	}
	for i := 0; i < len(topic); i++ {
		if !topicByte(topic[i]) {
			return &TopicError{Topic: topic, Reason: fmt.Sprintf("byte %q at %d is not one of A-Z a-z 0-9 . _ : -", topic[i], i)}
		}
	}
	return nil
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

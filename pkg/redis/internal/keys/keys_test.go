package keys

import "testing"

// slot computes the Redis Cluster hash slot of key, following the cluster
// specification's hash tag rule, so the test checks the layout's promise
// without needing a cluster.
func slot(key string) uint16 {
	if i := indexByte(key, '{'); i >= 0 {
		if j := indexByte(key[i+1:], '}'); j > 0 {
			key = key[i+1 : i+1+j]
		}
	}
	return crc16(key) % 16384
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

func crc16(s string) uint16 {
	var crc uint16
	for i := 0; i < len(s); i++ {
		crc ^= uint16(s[i]) << 8
		for b := 0; b < 8; b++ {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}

func TestTopicKeysShareOneSlot(t *testing.T) {
	t.Parallel()
	for _, topic := range []string{"order.reminder", "a", "x:y-z_1", "user.notification"} {
		want := slot(Pending(topic))
		for _, k := range []string{Delayed(topic), Dead(topic), Consumers(topic), Inflight(topic, "c1"),
			Claim(topic, "c1"), Stats(topic), Dedup(topic), Done(topic),
			For(topic).Paused(), For(topic).Rate(), For(topic).Slots()} {
			if got := slot(k); got != want {
				t.Errorf("%s: slot %d, want %d (slot of %s)", k, got, want, Pending(topic))
			}
		}
	}
}

func TestCRC16MatchesClusterSpec(t *testing.T) {
	t.Parallel()
	// The cluster specification gives CRC16("123456789") = 0x31C3.
	if got := crc16("123456789"); got != 0x31C3 {
		t.Fatalf("crc16 = %#x, want 0x31c3", got)
	}
}

func TestPendingIsTheSeedsList(t *testing.T) {
	t.Parallel()
	if got := Pending("order.reminder"); got != "mq:order.reminder" {
		t.Fatalf("Pending = %q", got)
	}
}

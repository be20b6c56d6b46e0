package config

import (
	"errors"
	"net"
	"strconv"
	"strings"
	"time"
)

var (
	errNotInt       = errors.New("not a valid integer")
	errNotBool      = errors.New("not a valid boolean (want true/false, yes/no, on/off or 1/0)")
	errNotDuration  = errors.New("not a valid duration (want Go syntax like 5s or 1m30s)")
	errDurationUnit = errors.New("a duration needs a unit, e.g. 5s")
)

func parseInt(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0, errNotInt
	}
	return n, nil
}

func parseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "t", "true", "y", "yes", "on":
		return true, nil
	case "0", "f", "false", "n", "no", "off":
		return false, nil
	}
	return false, errNotBool
}

// parseDuration accepts Go syntax ("5s", "1m30s"). A bare number other
// than 0 is refused: "5" could mean seconds or milliseconds, and reading
// it as either has surprised someone.
func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if _, err := strconv.ParseFloat(s, 64); err == nil && s != "0" {
		return 0, errDurationUnit
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, errNotDuration
	}
	return d, nil
}

// splitList splits a comma-separated list, dropping blanks; nil when empty.
func splitList(s string) []string {
	var out []string
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// parseAddrs checks a list of host:port addresses.
func parseAddrs(s string) ([]string, error) {
	addrs := splitList(s)
	for _, a := range addrs {
		if err := checkAddr(a, true); err != nil {
			return nil, err
		}
	}
	return addrs, nil
}

// checkAddr checks a host:port address; the host may be empty only when
// needHost is false (a listen address like ":6379").
func checkAddr(addr string, needHost bool) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return errors.New("not a host:port address: " + strconv.Quote(addr))
	}
	if needHost && host == "" {
		return errors.New("missing host in " + strconv.Quote(addr))
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return errors.New("bad port in " + strconv.Quote(addr) + " (want 1..65535)")
	}
	return nil
}

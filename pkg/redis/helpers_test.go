package redis_test

import (
	"net"
	"strconv"
	"testing"
)

func splitAddr(t testing.TB, addr string) (string, int) {
	t.Helper()
	host, port, err := splitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return host, port
}

func splitHostPort(addr string) (string, int, error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(p)
	return host, port, err
}

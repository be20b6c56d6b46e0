package httpapi

import (
	"context"
	"fmt"
	"net/http"
)

// Probe GETs url and fails unless it answers 200. It is the container's
// health check: the distroless image has no shell or curl, so the binary
// checks itself ("gateway-worker healthcheck").
func Probe(ctx context.Context, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	// No keep-alive: a probe makes one request and leaves nothing behind.
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	return nil
}

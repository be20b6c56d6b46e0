// Package dashboard serves the operators' page at GET /dashboard: every
// topic's counts, refreshed every 2 seconds, and a topic's dead letters to
// requeue or purge. The page is one embedded HTML file with its CSS and
// plain JavaScript inline, so it works without internet access; it reads
// and changes everything through the admin API (package admin) with the
// token the operator enters, kept in the tab's sessionStorage.
//
//	mux.Handle("GET /dashboard", dashboard.Handler())
package dashboard

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"net/http"
)

//go:embed dashboard.html
var page []byte

// csp allows exactly the page's own inline script and style (by hash) and
// requests to the same origin: were a dead letter's text ever injected as
// HTML, it could not run.
var csp = "default-src 'none'; " +
	"script-src '" + inlineHash(page, "<script>", "</script>") + "'; " +
	"style-src '" + inlineHash(page, "<style>", "</style>") + "'; " +
	"connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// inlineHash returns the CSP source of the first inline element between
// open and close, "sha256-<base64>".
func inlineHash(html []byte, open, close string) string {
	_, rest, ok := bytes.Cut(html, []byte(open))
	body, _, ok2 := bytes.Cut(rest, []byte(close))
	if !ok || !ok2 {
		panic("dashboard: the page has no " + open + " element")
	}
	sum := sha256.Sum256(body)
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}

// Handler serves the page. It needs no token: the page holds no data and
// asks for the token itself.
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Cache-Control", "no-store")
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		_, _ = w.Write(page)
	})
}

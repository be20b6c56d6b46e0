// Package dashboard serves the operators' page at GET /dashboard: the
// topics, filtered, sorted and paged by the server, with a sparkline each;
// processed and failed per minute; the Redis panel; a topic's pending,
// delayed, in-flight messages and dead letters, a message's detail, and the
// actions on them. The page, its script and its style are embedded files
// served by the binary, so it works without internet access, under a
// Content-Security-Policy that allows no inline script or style and no
// other origin. It reads and changes everything through the admin API
// (package admin) with the token the operator enters, kept in the tab's
// sessionStorage. The view (filter, sort, page, topic, tab, message) is
// kept in the URL's fragment, so a reload or a link shows the same, and
// Back and Forward step through the views. /dashboard/ redirects to
// /dashboard.
//
//	mux.Handle("GET /dashboard", dashboard.Handler())
//	mux.Handle("GET /dashboard/", dashboard.Handler())
package dashboard

import (
	"embed"
	"net/http"
	"path"
)

//go:embed dashboard.html dashboard.js dashboard.css
var files embed.FS

// CSP allows the page's own script and style files and requests to its own
// origin, nothing inline: were a message's text ever injected as HTML, it
// could not run. frame-ancestors 'none' keeps the page out of frames.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// assets are the files under /dashboard/ and their types.
var assets = map[string]string{
	"dashboard.js":  "text/javascript; charset=utf-8",
	"dashboard.css": "text/css; charset=utf-8",
}

// Handler serves the page at /dashboard and its script and style under
// /dashboard/, and redirects /dashboard/ to /dashboard. It needs no token: they hold no data, and the page asks for
// the token itself.
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, ctype := "dashboard.html", "text/html; charset=utf-8"
		if r.URL.Path == "/dashboard/" {
			// The page loads its files by relative path (dashboard/...),
			// which from /dashboard/ would be /dashboard/dashboard/...: send
			// the browser to the page. Relative, so that a proxy's path
			// prefix is kept; the fragment (the view) the browser keeps.
			target := "../dashboard"
			if r.URL.RawQuery != "" {
				target += "?" + r.URL.RawQuery
			}
			w.Header().Set("Location", target) // http.Redirect would make it absolute
			w.WriteHeader(http.StatusMovedPermanently)
			return
		}
		if r.URL.Path != "/dashboard" {
			name = path.Base(r.URL.Path)
			var ok bool
			if ctype, ok = assets[name]; !ok || r.URL.Path != "/dashboard/"+name {
				http.NotFound(w, r)
				return
			}
		}
		body, _ := files.ReadFile(name)
		h := w.Header()
		h.Set("Content-Type", ctype)
		h.Set("Cache-Control", "no-store")
		h.Set("Content-Security-Policy", CSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		_, _ = w.Write(body)
	})
}

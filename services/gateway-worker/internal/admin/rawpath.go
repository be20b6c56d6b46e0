package admin

import (
	"net/http"
	"net/url"
	"path"
	"strings"

	"goweb/pkg/redis"
)

// rawPath routes a path that is not clean (an empty, "." or ".." segment)
// itself: http.ServeMux would answer it with a redirect to the cleaned
// path and an empty body, or serve another endpoint than the client
// named. A bad topic segment is a 400 naming it, anything else a 404; both
// JSON, like every /v1 answer.
func rawPath(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.EscapedPath()
		if clean(p) == p {
			next.ServeHTTP(w, r)
			return
		}
		if rest, ok := strings.CutPrefix(p, "/v1/topics/"); ok {
			seg, _, _ := strings.Cut(rest, "/")
			if t, err := url.PathUnescape(seg); err == nil {
				if err := redis.ValidateTopic(t); err != nil {
					writeError(w, http.StatusBadRequest, "topic: "+err.Error())
					return
				}
			}
		}
		writeError(w, http.StatusNotFound, "no such endpoint: "+truncate(p, 256)+" (a path has no empty, \".\" or \"..\" segments)")
	})
}

// clean is the path http.ServeMux would redirect p to: path.Clean keeping
// a trailing slash.
func clean(p string) string {
	c := path.Clean(p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	return c
}

package admin

import (
	"net/http"

	"goweb/docs"
)

// serveOpenAPI answers the OpenAPI document of this API, docs/openapi.yaml.
func serveOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/yaml")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(docs.OpenAPI)
}

// Route is one endpoint of the API.
type Route struct {
	Method, Path string
}

// Routes lists the API's endpoints, for checking the OpenAPI document
// against them.
func Routes() []Route {
	var out []Route
	for _, r := range (&api{}).routes() {
		out = append(out, Route{r.method, r.path})
	}
	return out
}

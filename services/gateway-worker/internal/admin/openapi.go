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

// Package docs embeds the documents the service serves, so that the copy in
// this directory is the only one: docs/openapi.yaml is answered at
// GET /v1/openapi.yaml.
package docs

import _ "embed"

// OpenAPI is docs/openapi.yaml, the OpenAPI 3.1 description of the /v1
// admin API.
//
//go:embed openapi.yaml
var OpenAPI []byte

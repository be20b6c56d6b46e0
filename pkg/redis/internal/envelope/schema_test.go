package envelope

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// TestSchemaAgreesWithDecoder keeps docs/envelope.schema.json honest: every
// sample is accepted by both the published schema and the decoder, or
// refused by both.
func TestSchemaAgreesWithDecoder(t *testing.T) {
	t.Parallel()
	f, err := os.Open("../../../../docs/envelope.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("envelope.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile("envelope.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	samples := []string{
		`{"data":{}}`,
		`{"id":"k3j4","ts":1764172800000,"attempt":1,"headers":{"trace":"abc"},"error":"timeout","data":{"order_id":"12345"}}`,
		`{"data":{},"future_field":[1]}`,
		`{"data":[1]}`, `{"data":null}`, `{}`, `{"id":"","data":{}}`, `{"id":7,"data":{}}`,
		`{"data":{},"ts":-1}`, `{"data":{},"attempt":-1}`, `{"data":{},"attempt":"2"}`,
		`{"data":{},"headers":{"a":1}}`, `{"data":{},"error":5}`,
		`{"id":"` + strings.Repeat("x", 257) + `","data":{}}`,
	}
	for _, s := range samples {
		var v any
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			t.Fatal(err)
		}
		schemaOK := schema.Validate(v) == nil
		_, decErr := Decode([]byte(s))
		if schemaOK != (decErr == nil) {
			t.Errorf("%.60s: schema accepts=%v, decoder error=%v", s, schemaOK, decErr)
		}
	}
}

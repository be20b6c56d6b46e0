package envelope

import (
	stdjson "encoding/json"

	json "github.com/goccy/go-json"
)

// useNumber makes json.UnmarshalWithOption decode numbers in interface
// values as json.Number, as Decoder.UseNumber does for streams. go-json
// exports that option only on its stream Decoder, which costs twice the
// time and four times the memory of Unmarshal for an entry (1.3 µs and
// 1.9 KB against 0.8 µs and 0.5 KB); Unmarshal takes it as a flag of
// DecodeOption. Which bit is that flag is go-json's own business, so it is
// found once by asking which bit turns a number into a json.Number; nil
// when none does, and decodeData falls back to the stream Decoder.
var useNumber = findUseNumber()

func findUseNumber() json.DecodeOptionFunc {
	for bit := 0; bit < 8; bit++ {
		opt := func(o *json.DecodeOption) { o.Flags |= 1 << bit }
		var probe map[string]interface{}
		if err := json.UnmarshalWithOption([]byte(`{"n":9007199254740993,"s":"x"}`), &probe, opt); err != nil {
			continue
		}
		if n, ok := probe["n"].(stdjson.Number); ok && n == "9007199254740993" && probe["s"] == "x" {
			return opt
		}
	}
	return nil
}

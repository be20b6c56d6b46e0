// Package envelopetest holds the entries that the requeue fuzz targets of
// the envelope codec and of the queue both start from.
package envelopetest

// RequeueSeeds are entries a dead letter may hold that once broke, or
// nearly broke, a requeue: no data (issue 10 item 2), an attempt and an
// error to drop, Python's spacing, big numbers, escapes, duplicate
// members, and bytes that are not JSON at all.
var RequeueSeeds = []string{
	`{"id":"pay-78"}`,
	`{"id": "py-1", "data": {"n": 18446744073709551615, "f": 1.50}, "extra": [1, 2]}`,
	`{"id":"p","data":{}}`,
	`{"id":"a","attempt":2,"error":"e","data":{"n":1e3}}`,
	`{"id": "huge1", "data": {}}`,
	`{"data":{"x":[1,{"y":null}]},"attempt":null}`,
	`{"id":"a\u0022","ts":3,"data":{},"headers":{}}`,
	`{"id":"a","id":"b","data":{}}`,
	`{"data":{},"data":1}`,
	`{"ID":"up","Attempt":3,"ERROR":"x","data":{}}`,
	"\x00\xff",
}

// Package admin is the gateway worker's HTTP API for operators and for
// services in other languages: publish messages, read queue state,
// requeue or purge dead letters, list, delete or run waiting messages, and
// pause or resume topics. It
// is mounted on the service's HTTP server under /v1/ (TestRoutesDocumented
// checks this list and docs/service.md against the router):
//
//	GET    /v1/topics                         topics' counts, paused and limits, ?q=&sort=&offset=&limit=&spark=
//	GET    /v1/topics/{topic}                 one topic's counts, paused, limits and consumers
//	GET    /v1/history                        processed and failed per minute, all topics, ?minutes=
//	GET    /v1/topics/{topic}/history         processed and failed per minute, ?minutes=
//	GET    /v1/topics/{topic}/messages/{id}   a message by id: its state, the message, its delivery attempts
//	GET    /v1/topics/{topic}/messages:lookup the same with the id in the query, ?id=: any id, "." and ".." too
//	GET    /v1/redis                          Redis version, mode, nodes, memory, eviction policy, clients
//	POST   /v1/topics/{topic}/messages        publish one message     → 201 {"id":"..."}
//	POST   /v1/topics/{topic}/messages:batch  publish up to MaxBatch  → 201 {"ids":[...]}
//	GET    /v1/topics/{topic}/dead            dead letters, ?offset=&limit=&full=
//	DELETE /v1/topics/{topic}/dead            → {"purged":n}
//	POST   /v1/topics/{topic}/dead/requeue    {"ids":[...]} or {"all":true} → {"requeued":n}
//	GET    /v1/topics/{topic}/messages        pending, delayed or in-flight messages, ?state=&offset=&limit=&full=
//	POST   /v1/topics/{topic}/messages:delete {"state":"pending"|"delayed","ids":[...]} → {"deleted":n}
//	POST   /v1/topics/{topic}/delayed:run     {"ids":[...]} → {"moved":n}
//	POST   /v1/topics/{topic}/pause           no body → {"topic":"...","paused":true}
//	POST   /v1/topics/{topic}/resume          no body → {"topic":"...","paused":false}
//	GET    /v1/openapi.yaml                   this list as OpenAPI 3.1 (docs/openapi.yaml)
//
// Every request carries "Authorization: Bearer <token>". Without a
// configured token the API is disabled and answers 403, so a forgotten
// setting never leaves it open. Every error is JSON {"error":"..."}: 4xx
// naming the field for bad input; 500 for a key of the wrong type, 503 when
// Redis cannot be reached, 504 when it does not answer in time (within
// Options.Timeout, which bounds a read whatever the Redis read timeout).
// Listings carry a preview of a message over PreviewBytes unless
// ?full=true; a read of a topic answers an ETag, and 304 to If-None-Match.
//
//	mux.Handle("/v1/", admin.New(manager, admin.Options{Token: token, Log: log}))
package admin

// Package admin is the gateway worker's HTTP API for operators and for
// services in other languages: publish messages, read queue state, and
// requeue or purge dead letters. It is mounted on the service's HTTP
// server under /v1/:
//
//	POST   /v1/topics/{topic}/messages        publish one message     → 201 {"id":"..."}
//	POST   /v1/topics/{topic}/messages:batch  publish up to MaxBatch  → 201 {"ids":[...]}
//	GET    /v1/topics                         every topic's counts
//	GET    /v1/topics/{topic}                 one topic's counts and consumers
//	GET    /v1/topics/{topic}/dead            dead letters, ?offset=&limit=
//	POST   /v1/topics/{topic}/dead/requeue    {"ids":[...]} or {"all":true} → {"requeued":n}
//	DELETE /v1/topics/{topic}/dead            → {"purged":n}
//
// Every request carries "Authorization: Bearer <token>". Without a
// configured token the API is disabled and answers 403, so a forgotten
// setting never leaves it open. Every error is JSON {"error":"..."}: 4xx
// naming the field for bad input, 503 when Redis does not answer.
//
//	mux.Handle("/v1/", admin.New(manager, admin.Options{Token: token, Log: log}))
package admin

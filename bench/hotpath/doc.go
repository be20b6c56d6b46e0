// Package hotpath holds Go micro-benchmarks (testing.B) of the queue's hot
// paths that pkg/redis's own benchmarks (Publish, PublishBatch, Consume at
// concurrency 50) and the envelope codec's (Encode, Decode) do not cover:
// pickup of one message by an idle consumer, the fetch and ack scripts at
// low concurrency, consumption spread over many topics, and the delayed and
// de-duplicating publish scripts. They run against a private redis-server
// through the public API only:
//
//	go test -run '^$' -bench . -benchtime 20000x ./bench/hotpath/
//	go test -run '^$' -bench 'ConsumeTopics' -cpuprofile cpu.out ./bench/hotpath/
package hotpath

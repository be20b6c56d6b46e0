// Package cli is the gateway-worker command line: the service itself
// ("serve", also run with no arguments), the container health check, and
// operator commands that read and repair the queue in Redis through the
// library's Inspector, with no server running:
//
//	gateway-worker topics
//	gateway-worker stats [TOPIC] [--watch]
//	gateway-worker publish TOPIC JSON [--delay 10m] [--id ID]
//	gateway-worker publish TOPIC --file messages.ndjson
//	gateway-worker peek TOPIC [--state pending|delayed|in_flight|dead] [-n 20]
//	gateway-worker dead retry TOPIC (ID... | --all)
//	gateway-worker dead purge TOPIC [--older-than 168h]
//	gateway-worker consumers [TOPIC]
//
// Every command reads the same configuration as the server (the
// environment and the YAML file of CONFIG_FILE). Read commands print
// tables, or one JSON document per line with --json. Errors go to stderr
// and end with a non-zero exit status: 2 for a command line mistake, 1 for
// anything else.
//
// main only calls Execute:
//
//	os.Exit(cli.Execute(ctx, os.Args[1:], cli.Options{}))
package cli

package logger_test

import (
	"errors"
	"os"

	"goweb/pkg/logger"
)

func Example() {
	log := logger.NewWithOptions(logger.Options{
		Name:   "gateway-worker",
		Level:  "debug",
		Format: "text",
		Output: os.Stdout,
		NoTime: true, // keeps the output reproducible
	})

	log.Info("consumer started", "topic", "order.reminder")
	// An error may stand alone among the key-value pairs.
	log.Error("publish failed", errors.New("connection refused"), "topic", "order.reminder")
	log.With("worker", 3).Debug("idle")
	// Output:
	// level=INFO msg="consumer started" service=gateway-worker topic=order.reminder
	// level=ERROR msg="publish failed" service=gateway-worker error="connection refused" topic=order.reminder
	// level=DEBUG msg=idle service=gateway-worker worker=3
}

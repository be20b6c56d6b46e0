package base_test

import (
	"errors"
	"os"

	"goweb/pkg/base"
	"goweb/pkg/logger"
)

type EmailService struct {
	*base.BaseService
}

func Example() {
	log := logger.NewWithOptions(logger.Options{
		Name: "gateway-worker", Format: "text", Output: os.Stdout, NoTime: true,
	})
	s := &EmailService{BaseService: base.NewBaseService(log)}

	s.LogInfo("consumer started", "count", 5)
	s.LogError("consumer failed", errors.New("redis down"), "topic", "email.send")
	// Output:
	// level=INFO msg="consumer started" service=gateway-worker count=5
	// level=ERROR msg="consumer failed" service=gateway-worker error="redis down" topic=email.send
}

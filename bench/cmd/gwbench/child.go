package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"time"

	"goweb/pkg/redis"
)

// consumeChildren spawns p consumer processes on topic, waits until each is
// ready, tells them to start and polls the topic's processed counter until
// n messages are done. The children stop when their stdin closes.
func (e *env) consumeChildren(m *redis.Manager, n, p int, topic string) (time.Duration, error) {
	self, err := os.Executable()
	if err != nil {
		return 0, err
	}
	type child struct {
		cmd   *exec.Cmd
		stdin io.WriteCloser
	}
	var kids []child
	defer func() {
		for _, k := range kids {
			k.stdin.Close()
		}
		for _, k := range kids {
			if err := k.cmd.Wait(); err != nil {
				log.Printf("child: %v", err)
			}
		}
	}()
	for range p {
		cmd := exec.Command(self, "-child-consume", topic, "-redis", e.addr)
		cmd.Stderr = os.Stderr
		stdin, err := cmd.StdinPipe()
		if err != nil {
			return 0, err
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			return 0, err
		}
		if err := cmd.Start(); err != nil {
			return 0, err
		}
		kids = append(kids, child{cmd, stdin})
		if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || line != "ready\n" {
			return 0, fmt.Errorf("child did not get ready: %q %v", line, err)
		}
	}
	ctx := context.Background()
	insp := m.Inspector()
	start := time.Now()
	for _, k := range kids {
		if _, err := io.WriteString(k.stdin, "go\n"); err != nil {
			return 0, err
		}
	}
	for {
		st, err := insp.Stats(ctx, topic)
		if err != nil {
			return 0, err
		}
		if st.Processed >= int64(n) {
			return time.Since(start), nil
		}
		if time.Since(start) > 5*time.Minute {
			return 0, fmt.Errorf("children processed %d/%d", st.Processed, n)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// childConsume is the body of a consumer child process: "ready" on stdout
// once connected, subscribe on a line from stdin, shut down gracefully when
// stdin closes.
func childConsume(addr, topic string) error {
	m, err := newManager(addr)
	if err != nil {
		return err
	}
	defer m.Close()
	in := bufio.NewReader(os.Stdin)
	fmt.Println("ready")
	if _, err := in.ReadString('\n'); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- m.GetQueue().Subscribe(ctx, topic, func(context.Context, *redis.Message) error { return nil },
			redis.WithConcurrency(concurrency))
	}()
	_, _ = io.Copy(io.Discard, in) // until the parent closes stdin
	cancel()
	return <-done
}

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

// consumeChildren spawns p consumer processes on topic, tells them to
// start and polls the topic's processed counter until n messages are done.
func (e *env) consumeChildren(m *redis.Manager, n, p int, topic string) (time.Duration, error) {
	kids, err := e.startChildren(p, topic)
	if err != nil {
		return 0, err
	}
	defer kids.stop()
	ctx := context.Background()
	insp := m.Inspector()
	start := time.Now()
	if err := kids.start(); err != nil {
		return 0, err
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

// children are consumer child processes; they stop when their stdin closes.
type children []child

type child struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
}

// startChildren spawns p consumer processes on topic, with the extra
// flags args, and waits until each is ready.
func (e *env) startChildren(p int, topic string, args ...string) (children, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	var kids children
	for range p {
		cmd := exec.Command(self, append([]string{"-child-consume", topic, "-redis", e.addr}, args...)...)
		cmd.Stderr = os.Stderr
		stdin, err := cmd.StdinPipe()
		if err != nil {
			kids.stop()
			return nil, err
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			kids.stop()
			return nil, err
		}
		if err := cmd.Start(); err != nil {
			kids.stop()
			return nil, err
		}
		kids = append(kids, child{cmd, stdin})
		if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || line != "ready\n" {
			kids.stop()
			return nil, fmt.Errorf("child did not get ready: %q %v", line, err)
		}
	}
	return kids, nil
}

// start tells every child to subscribe.
func (kids children) start() error {
	for _, k := range kids {
		if _, err := io.WriteString(k.stdin, "go\n"); err != nil {
			return err
		}
	}
	return nil
}

// stop closes the children's stdin and waits for their graceful shutdown.
func (kids children) stop() {
	for _, k := range kids {
		k.stdin.Close()
	}
	for _, k := range kids {
		if err := k.cmd.Wait(); err != nil {
			log.Printf("child: %v", err)
		}
	}
}

// childConsume is the body of a consumer child process: "ready" on stdout
// once connected, subscribe on a line from stdin, shut down gracefully when
// stdin closes.
func childConsume(addr, topic string, opts ...redis.SubscribeOption) error {
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
			append([]redis.SubscribeOption{redis.WithConcurrency(concurrency)}, opts...)...)
	}()
	_, _ = io.Copy(io.Discard, in) // until the parent closes stdin
	cancel()
	return <-done
}

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"goweb/bench/internal/result"
)

// impl is one benchmarked implementation: prepare builds or installs it and
// returns the command line of its harness, to which the shared flags are
// appended.
type impl struct {
	name    string
	dir     string // working directory of the harness
	prepare func(ctx context.Context) ([]string, error)
}

func implementations(root, tmp string) []impl {
	return []impl{
		{name: "gateway-worker", dir: root, prepare: func(ctx context.Context) ([]string, error) {
			bin := filepath.Join(tmp, "gwbench")
			if err := command(ctx, root, "go", "build", "-o", bin, "./bench/cmd/gwbench"); err != nil {
				return nil, err
			}
			return []string{bin}, nil
		}},
		{name: "asynq", dir: root, prepare: func(ctx context.Context) ([]string, error) {
			bin := filepath.Join(tmp, "asynq-bench")
			if err := command(ctx, root, "go", "build", "-C", filepath.Join(root, "bench", "peers", "asynq"), "-o", bin, "."); err != nil {
				return nil, err
			}
			return []string{bin}, nil
		}},
		{name: "bullmq", dir: root, prepare: func(ctx context.Context) ([]string, error) {
			dir := filepath.Join(root, "bench", "peers", "bullmq")
			node, err := exec.LookPath("node")
			if err != nil {
				return nil, errors.New("node is not installed")
			}
			if _, err := os.Stat(filepath.Join(dir, "node_modules", "bullmq")); err != nil {
				if _, err := exec.LookPath("npm"); err != nil {
					return nil, errors.New("node_modules is missing and npm is not installed")
				}
				log.Printf("bullmq: npm ci")
				if err := command(ctx, root, "npm", "ci", "--prefix", dir); err != nil {
					return nil, err
				}
			}
			return []string{node, filepath.Join(dir, "bench.js")}, nil
		}},
	}
}

// baselineImpl is gateway-worker as of the git revision rev, extracted
// with git archive into tmp and built there, so that a change can be
// measured against its parent in the same run as the peers.
func baselineImpl(root, tmp, rev string) impl {
	src := filepath.Join(tmp, "baseline")
	return impl{name: ours + "@" + rev, dir: src, prepare: func(ctx context.Context) ([]string, error) {
		if err := os.MkdirAll(src, 0o755); err != nil {
			return nil, err
		}
		archive := filepath.Join(tmp, "baseline.tar")
		if err := command(ctx, root, "git", "archive", "-o", archive, rev); err != nil {
			return nil, err
		}
		if err := command(ctx, src, "tar", "-xf", archive); err != nil {
			return nil, err
		}
		bin := filepath.Join(tmp, "gwbench-baseline")
		if err := command(ctx, src, "go", "build", "-o", bin, "./bench/cmd/gwbench"); err != nil {
			return nil, err
		}
		return []string{bin}, nil
	}}
}

// command runs a preparation step, its output going to stderr.
func command(ctx context.Context, dir, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	var errBuf bytes.Buffer
	cmd.Stdout = os.Stderr
	cmd.Stderr = io.MultiWriter(os.Stderr, &errBuf)
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, lastLine(errBuf.String()))
	}
	return nil
}

// run runs the prepared harness argv with args. It returns every metric
// line the harness printed, even when it failed part way.
func (im impl) run(ctx context.Context, argv, args []string) ([]result.Line, error) {
	log.Printf("%s: %s %s", im.name, filepath.Base(argv[len(argv)-1]), strings.Join(args, " "))
	cmd := exec.CommandContext(ctx, argv[0], append(argv[1:], args...)...)
	cmd.Dir = im.dir
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	tail := &tailWriter{prefix: "[" + im.name + "] ", w: os.Stderr}
	cmd.Stderr = tail
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	var lines []result.Line
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		var l result.Line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil || l.Metric == "" {
			log.Printf("%s: ignoring output line %q", im.name, sc.Text())
			continue
		}
		lines = append(lines, l)
	}
	if err := cmd.Wait(); err != nil {
		return lines, fmt.Errorf("%w: %s", err, tail.last())
	}
	return lines, nil
}

// tailWriter copies a harness's log to w, each line prefixed, and keeps the
// last line for error reports.
type tailWriter struct {
	prefix string
	w      io.Writer

	mu      sync.Mutex
	partial []byte
	lastLns []string // the last few non-empty lines
}

func (t *tailWriter) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.partial = append(t.partial, p...)
	for {
		i := bytes.IndexByte(t.partial, '\n')
		if i < 0 {
			break
		}
		line := string(t.partial[:i])
		t.partial = t.partial[i+1:]
		if strings.TrimSpace(line) != "" {
			t.lastLns = append(t.lastLns, strings.TrimSpace(line))
			if len(t.lastLns) > 3 {
				t.lastLns = t.lastLns[1:]
			}
		}
		fmt.Fprintf(t.w, "%s%s\n", t.prefix, line)
	}
	return len(p), nil
}

func (t *tailWriter) last() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	lines := t.lastLns
	if len(t.partial) > 0 {
		lines = append(lines, string(t.partial))
	}
	return strings.Join(lines, " | ")
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

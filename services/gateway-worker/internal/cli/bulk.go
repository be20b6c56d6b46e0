package cli

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"goweb/pkg/redis"
)

// Limits of publish --file.
const (
	// bulkBatch is how many lines one Redis round trip publishes.
	bulkBatch = 500
	// maxLineBytes bounds a line: the queue refuses entries over 1 MiB.
	maxLineBytes = 1<<20 + 4096
)

// publishFile publishes every line of the file name to topic, after
// checking them all, and prints how many it published.
func (e *env) publishFile(ctx context.Context, topic, name string, opts []redis.PublishOption) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	total, err := eachLine(f, name, func(int, map[string]any) error { return nil })
	if err != nil {
		return fmt.Errorf("%w; nothing was published", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	_, q, closeRedis, err := e.inspector(ctx)
	if err != nil {
		return err
	}
	defer closeRedis()

	bar := e.progress(topic, total)
	batch := make([]map[string]any, 0, bulkBatch)
	done, lastLine := 0, 0
	flush := func() error {
		if err := q.PublishBatch(ctx, topic, batch, opts...); err != nil {
			bar.stop()
			where := "nothing was published"
			if done > 0 {
				where = fmt.Sprintf("published %d of %d messages, lines 1 to %d; the rest were not", done, total, lastLine)
			}
			return fmt.Errorf("publish to %s: %w; %s", topic, err, where)
		}
		done += len(batch)
		batch = batch[:0]
		bar.set(done)
		return nil
	}
	_, err = eachLine(f, name, func(line int, data map[string]any) error {
		if len(batch) == bulkBatch {
			if err := flush(); err != nil {
				return err
			}
			lastLine = line - 1
		}
		batch = append(batch, data)
		return nil
	})
	if err == nil && len(batch) > 0 {
		err = flush()
	}
	if err != nil {
		return err
	}
	bar.stop()
	_, err = fmt.Fprintf(e.Stdout, "published %d messages to %s\n", done, topic)
	return err
}

// eachLine calls f with the data of every non-blank line of r (numbered
// from 1) and returns how many it found. An error names the file and line.
func eachLine(r io.Reader, name string, f func(line int, data map[string]any) error) (int, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLineBytes)
	n, line := 0, 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		data, err := decodeData(b)
		if err != nil {
			return n, fmt.Errorf("%s:%d: %w", name, line, err)
		}
		if err := f(line, data); err != nil {
			return n, err
		}
		n++
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return n, fmt.Errorf("%s:%d: line longer than %d bytes", name, line+1, maxLineBytes)
		}
		return n, fmt.Errorf("%s: %w", name, err)
	}
	return n, nil
}

// progress is a progress bar on stderr, drawn only on a terminal.
type progress struct {
	w     io.Writer // nil: not a terminal
	label string
	total int
}

func (e *env) progress(topic string, total int) *progress {
	p := &progress{label: "publishing to " + topic, total: total}
	if e.Terminal(e.Stderr) {
		p.w = e.Stderr
		p.set(0)
	}
	return p
}

const barWidth = 30

func (p *progress) set(done int) {
	if p.w == nil || p.total == 0 {
		return
	}
	full := barWidth * done / p.total
	fmt.Fprintf(p.w, "\r%s [%s%s] %d/%d", p.label, strings.Repeat("=", full), strings.Repeat(" ", barWidth-full), done, p.total)
}

// stop ends the bar's line.
func (p *progress) stop() {
	if p.w != nil && p.total > 0 {
		fmt.Fprintln(p.w)
		p.w = nil
	}
}

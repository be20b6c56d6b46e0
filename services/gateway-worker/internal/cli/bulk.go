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
// "-" is standard input. A bad line is a *UsageError (exit 2), as bad JSON
// on the command line is.
func (e *env) publishFile(ctx context.Context, command, topic, name string, opts []redis.PublishOption) error {
	f, err := e.openLines(name)
	if err != nil {
		return err
	}
	defer f.Close()
	if name == "-" {
		name = "stdin"
	}
	total, err := eachLine(f, name, func(int, map[string]any) error { return nil })
	var bad *BadLineError
	if errors.As(err, &bad) {
		return &UsageError{Command: command, Err: fmt.Errorf("%w; nothing was published", err)}
	}
	if err != nil {
		return fmt.Errorf("%w; nothing was published", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	_, m, closeRedis, err := e.inspector(ctx)
	if err != nil {
		return err
	}
	defer closeRedis()

	bar := e.progress(topic, total)
	batch := make([]map[string]any, 0, bulkBatch)
	done, lastLine, read := 0, 0, 0 // read: the line of the batch's last message
	flush := func() error {
		err := m.GetQueue().PublishBatch(ctx, topic, batch, opts...)
		if errors.Is(err, redis.ErrNotReplicated) {
			// Stored all the same: count this batch as published, and
			// say which lines not to send again.
			bar.stop()
			return fmt.Errorf("publish to %s: %w; published %d of %d messages, lines 1 to %d (the last %d stored but not replicated: sending them again would store second copies); the rest were not",
				topic, err, done+len(batch), total, read, len(batch))
		}
		if err != nil {
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
		read = line
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

// openLines opens the file name, or for "-" a copy of standard input in a
// temporary file, removed on Close: the lines are read twice, once to
// check them all and once to publish them.
func (e *env) openLines(name string) (*os.File, error) {
	if name != "-" {
		return os.Open(name)
	}
	f, err := os.CreateTemp("", "gateway-worker-publish-*.ndjson")
	if err != nil {
		return nil, err
	}
	// Removed at once: the open file stays readable until closed.
	if err := os.Remove(f.Name()); err != nil {
		f.Close()
		return nil, err
	}
	if _, err := io.Copy(f, e.Stdin); err != nil {
		f.Close()
		return nil, fmt.Errorf("stdin: %w", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// BadLineError is a line of publish --file that is not one JSON object,
// or is too long.
type BadLineError struct {
	Name string // the file, or "stdin"
	Line int    // from 1
	Err  error
}

func (e *BadLineError) Error() string { return fmt.Sprintf("%s:%d: %v", e.Name, e.Line, e.Err) }
func (e *BadLineError) Unwrap() error { return e.Err }

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
			return n, &BadLineError{Name: name, Line: line, Err: err}
		}
		if err := f(line, data); err != nil {
			return n, err
		}
		n++
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return n, &BadLineError{Name: name, Line: line + 1, Err: fmt.Errorf("line longer than %d bytes", maxLineBytes)}
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

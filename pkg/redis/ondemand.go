package redis

import "sync"

// onDemand runs pass on a goroutine of its own only while there is work
// for it: kick starts the goroutine, or, when it is running, makes it run
// pass once more; with no kick left it ends. A consumer's watchers (gate,
// promoter) wait this way instead of each parking a goroutine, so an idle
// topic holds no goroutine for them: with a thousand idle topics their
// stacks were most of the process's memory.
type onDemand struct {
	pass func()

	mu      sync.Mutex
	running bool // a goroutine runs pass
	again   bool // kicked while running: pass again
	closed  bool
	done    sync.WaitGroup
}

// kick asks for a pass; it never blocks. After close it does nothing.
func (d *onDemand) kick() {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch {
	case d.closed:
	case d.running:
		d.again = true
	default:
		d.running = true
		d.done.Add(1)
		go d.loop()
	}
}

func (d *onDemand) loop() {
	defer d.done.Done()
	for {
		d.pass()
		d.mu.Lock()
		if !d.again || d.closed {
			d.running, d.again = false, false
			d.mu.Unlock()
			return
		}
		d.again = false
		d.mu.Unlock()
	}
}

// close refuses further kicks and waits for the running pass, if any, to
// return: the caller cancels what that pass waits on first.
func (d *onDemand) close() {
	d.mu.Lock()
	d.closed = true
	d.mu.Unlock()
	d.done.Wait()
}

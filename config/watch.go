package config

import (
	"cmp"
	"context"
	"crypto/sha256"
	"os"
	"time"
)

// DefaultWatchInterval is how often a Watcher polls its file by default.
const DefaultWatchInterval = 2 * time.Second

// fullHashEvery makes a Watcher hash the file every so many polls even when
// its size and modification time are unchanged, to catch a rewrite of the
// same size within the file system's timestamp granularity.
const fullHashEvery = 10

// Watcher polls a file and calls OnChange when its content changes. It
// needs no file system notifications: each poll stats the file and, when
// its size or modification time moved (or every tenth poll), hashes it; a
// change of hash is a change. A file that disappears counts as a change,
// and so does its return. OnChange runs on the watcher's goroutine, one
// call at a time; a slow OnChange delays the next poll.
type Watcher struct {
	// Path is the file to watch. Required.
	Path string
	// Interval is the time between polls. Default: DefaultWatchInterval (2s).
	Interval time.Duration
	// OnChange is called after each change. Required.
	OnChange func()

	cancel context.CancelFunc
	done   chan struct{}
	state  fileState
	polls  int
}

type fileState struct {
	exists bool
	size   int64
	mod    time.Time
	sum    [sha256.Size]byte
}

// Watch starts a Watcher on path with the given interval (0 for
// DefaultWatchInterval). It records the file's current state before it
// returns, so only later changes call onChange, and polls until ctx ends or
// Stop is called.
func Watch(ctx context.Context, path string, interval time.Duration, onChange func()) *Watcher {
	w := &Watcher{Path: path, Interval: interval, OnChange: onChange}
	w.Start(ctx)
	return w
}

// Start records the file's current state and starts polling in a goroutine
// until ctx ends or Stop is called.
func (w *Watcher) Start(ctx context.Context) {
	ctx, w.cancel = context.WithCancel(ctx)
	w.done = make(chan struct{})
	w.state = w.read(fileState{}, true)
	go w.run(ctx)
}

// Stop ends polling and waits for the watcher's goroutine, including an
// OnChange call in progress.
func (w *Watcher) Stop() {
	if w.cancel == nil {
		return
	}
	w.cancel()
	<-w.done
}

func (w *Watcher) run(ctx context.Context) {
	defer close(w.done)
	t := time.NewTicker(cmp.Or(w.Interval, DefaultWatchInterval))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if w.poll() && ctx.Err() == nil {
			w.OnChange()
		}
	}
}

// poll reads the file's state and reports whether its content changed.
func (w *Watcher) poll() bool {
	w.polls++
	next := w.read(w.state, w.polls%fullHashEvery == 0)
	changed := next.exists != w.state.exists || next.sum != w.state.sum
	w.state = next
	return changed
}

// read returns the file's state; it hashes the file only when force is set
// or its size or modification time differ from prev.
func (w *Watcher) read(prev fileState, force bool) fileState {
	fi, err := os.Stat(w.Path)
	if err != nil {
		return fileState{}
	}
	s := fileState{exists: true, size: fi.Size(), mod: fi.ModTime(), sum: prev.sum}
	if !force && prev.exists && s.size == prev.size && s.mod.Equal(prev.mod) {
		return s
	}
	data, err := os.ReadFile(w.Path)
	if err != nil {
		return prev // unreadable for now (mid-write, permissions): try again later
	}
	s.sum = sha256.Sum256(data)
	return s
}

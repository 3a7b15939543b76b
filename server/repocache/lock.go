package repocache

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// lock takes the write lock of the mirror at dir: first the in-process one
// (a one-slot channel, so that waiting can be cancelled), then an flock on
// the lock file beside the mirror, which other processes sharing the root
// take too. Both are waited for until ctx is done. The returned function
// releases them.
func (c *Cache) lock(ctx context.Context, dir string) (unlock func(), err error) {
	c.mu.Lock()
	slot, ok := c.locks[dir]
	if !ok {
		slot = make(chan struct{}, 1)
		c.locks[dir] = slot
	}
	c.mu.Unlock()

	select {
	case slot <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for another operation on the mirror: %w", ctx.Err())
	}
	f, err := c.flock(ctx, strings.TrimSuffix(dir, ".git")+".lock", unix.LOCK_EX)
	if err != nil {
		<-slot
		return nil, err
	}
	return func() {
		f.Close() // releases the flock
		<-slot
	}, nil
}

// flock opens path and locks it, how being unix.LOCK_EX or LOCK_SH.
// flock(2) cannot be interrupted by a context, so it is polled without
// blocking, backing off up to a quarter of a second.
func (c *Cache) flock(ctx context.Context, path string, how int) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create the lock file: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open the lock file: %w", err)
	}
	wait := 5 * time.Millisecond
	for logged := false; ; logged = true {
		err := unix.Flock(int(f.Fd()), how|unix.LOCK_NB)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, unix.EWOULDBLOCK) && !errors.Is(err, unix.EINTR) {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		if !logged {
			c.log.Debug("waiting for another process to release the mirror", "lock", path)
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			f.Close()
			return nil, fmt.Errorf("waiting for another process to release %s: %w", path, ctx.Err())
		}
		wait = min(2*wait, 250*time.Millisecond)
	}
}

// readersFile is where readers of the mirror at dir hold a shared lock:
// beside the mirror, like the write lock, so that Remove leaves it alone.
func readersFile(dir string) string { return strings.TrimSuffix(dir, ".git") + ".readers" }

// readLease takes a shared lock on the mirror's readers file until the
// returned function is called. Maintain repacks only while nobody holds
// one: a reader lists the mirror's pack files once, so they must stay in
// place while it reads.
func (c *Cache) readLease(ctx context.Context, dir string) (release func(), err error) {
	f, err := c.flock(ctx, readersFile(dir), unix.LOCK_SH)
	if err != nil {
		return nil, err
	}
	return func() { f.Close() }, nil
}

// tryExclusive takes the readers file's lock exclusively if nobody reads
// the mirror; ok is false when somebody does.
func tryExclusive(dir string) (f *os.File, ok bool, err error) {
	f, err = os.OpenFile(readersFile(dir), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, false, fmt.Errorf("open the readers lock file: %w", err)
	}
	switch err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); {
	case err == nil:
		return f, true, nil
	case errors.Is(err, unix.EWOULDBLOCK):
		f.Close()
		return nil, false, nil
	default:
		f.Close()
		return nil, false, fmt.Errorf("lock %s: %w", readersFile(dir), err)
	}
}

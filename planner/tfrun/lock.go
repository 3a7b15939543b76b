package tfrun

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// lockFileName is created inside a plugin cache directory. Terraform only
// looks at directories there, so the file does not disturb the cache.
const lockFileName = ".csocbot-init.lock"

// lockPoll is how often a contended file lock is retried.
const lockPoll = 50 * time.Millisecond

// dirLocks holds one in-process lock per directory, taken before the file
// lock. flock belongs to an open file description, so two goroutines that
// open the lock file separately already exclude each other; the channel
// only lets waiting goroutines queue cheaply instead of each polling the
// file, and still give up when their context ends.
var dirLocks sync.Map // cleaned absolute dir -> chan struct{} (capacity 1)

// lockDir takes an exclusive lock on dir that is shared with every
// goroutine of this process and every other process that locks the same
// directory this way. It waits until the lock is free or ctx is done. The
// returned function releases the lock.
func lockDir(ctx context.Context, dir string) (unlock func(), err error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	v, _ := dirLocks.LoadOrStore(abs, make(chan struct{}, 1))
	sem := v.(chan struct{})
	select {
	case sem <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for the lock on %s: %w", abs, ctx.Err())
	}
	f, err := lockFile(ctx, filepath.Join(abs, lockFileName))
	if err != nil {
		<-sem
		return nil, err
	}
	return func() {
		// Closing the descriptor releases the flock.
		f.Close()
		<-sem
	}, nil
}

// lockFile opens path and takes an exclusive flock on it, polling so that
// the wait can be cancelled.
func lockFile(ctx context.Context, path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening lock file: %w", err)
	}
	t := time.NewTicker(lockPoll)
	defer t.Stop()
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, unix.EWOULDBLOCK) && !errors.Is(err, unix.EINTR) {
			f.Close()
			return nil, fmt.Errorf("locking %s: %w", path, err)
		}
		select {
		case <-t.C:
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("waiting for the lock on %s: %w", path, ctx.Err())
		}
	}
}

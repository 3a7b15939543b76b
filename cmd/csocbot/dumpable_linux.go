package main

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// makeUndumpable stops other processes of the same user from reading the
// server's memory and /proc/<pid>/environ, where its token may be.
func makeUndumpable() error {
	if err := unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0); err != nil {
		return fmt.Errorf("make the server undumpable (prctl PR_SET_DUMPABLE): %w", err)
	}
	return nil
}

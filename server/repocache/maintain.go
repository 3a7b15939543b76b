package repocache

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Maintain collects the garbage of every mirror: it runs git gc --auto,
// which packs the loose objects MergeCommit writes, combines the pack
// each fetch adds once there are many, and prunes the objects nothing
// refers to any more (such as a closed pull request's commits) once they
// are two weeks old. Mirrors are bare and have no work trees, so there is
// nothing for git worktree prune to do.
//
// A mirror somebody reads (an open Repo, a Checkout) is skipped until the
// next call: gc deletes the pack files a reader may still open. A mirror
// that fails does not stop the others; their errors are returned together.
func (c *Cache) Maintain(ctx context.Context) error {
	mirrors, err := c.mirrors()
	if err != nil {
		return err
	}
	var errs []error
	for _, dir := range mirrors {
		if err := c.maintain(ctx, dir); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// mirrors lists the mirror directories under the root.
func (c *Cache) mirrors() ([]string, error) {
	owners, err := os.ReadDir(c.root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list the mirrors: %w", err)
	}
	var dirs []string
	for _, o := range owners {
		if !o.IsDir() {
			continue
		}
		entries, err := os.ReadDir(filepath.Join(c.root, o.Name()))
		if err != nil {
			return nil, fmt.Errorf("list the mirrors: %w", err)
		}
		for _, e := range entries {
			// Skips the temporary directories initMirror builds in.
			if e.IsDir() && strings.HasSuffix(e.Name(), ".git") && !strings.HasPrefix(e.Name(), ".") {
				dirs = append(dirs, filepath.Join(c.root, o.Name(), e.Name()))
			}
		}
	}
	return dirs, nil
}

func (c *Cache) maintain(ctx context.Context, dir string) error {
	name, _ := filepath.Rel(c.root, dir)
	unlock, err := c.lock(ctx, dir)
	if err != nil {
		return fmt.Errorf("collect the garbage of %s: %w", name, err)
	}
	defer unlock()
	readers, free, err := tryExclusive(dir)
	if err != nil {
		return fmt.Errorf("collect the garbage of %s: %w", name, err)
	}
	if !free {
		c.log.Debug("mirror in use; collecting its garbage next time", "mirror", name)
		return nil
	}
	defer readers.Close()
	start := time.Now()
	// Detached, gc would go on after the locks are released.
	if _, err := runGit(ctx, dir, nil, "-c", "gc.autoDetach=false", "-c", "maintenance.autoDetach=false", "gc", "--auto", "--quiet"); err != nil {
		return fmt.Errorf("collect the garbage of %s: %w", name, err)
	}
	c.log.Debug("collected the mirror's garbage", "mirror", name, "duration", time.Since(start).Round(time.Millisecond))
	return nil
}

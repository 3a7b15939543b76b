package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/go-git/go-git/v5"
)

// ErrSourceMoved is wrapped by the error of a unit whose git module source
// changed between csocbot's reading of it and terraform's.
var ErrSourceMoved = errors.New("module source moved")

// pin is the commit one run chose for a git source, and its clone.
type pin struct{ dir, commit string }

// pinnedSources are the commits of the git sources one unit's run has
// fetched. The gate reads a unit's remote modules before the plan and
// terraform init fetches them again; pinning makes the second read the
// first one's code, or fails the unit.
type pinnedSources struct {
	mu   sync.Mutex
	pins map[string]pin
}

type pinnedSourcesKey struct{}

// withPinnedSources returns a context in which the source cache pins the
// commit of every source it fetches.
func withPinnedSources(ctx context.Context) context.Context {
	return context.WithValue(ctx, pinnedSourcesKey{}, &pinnedSources{pins: map[string]pin{}})
}

// pinnedSourcesOf returns the context's pins, nil outside a run (nil pins
// pin nothing).
func pinnedSourcesOf(ctx context.Context) *pinnedSources {
	p, _ := ctx.Value(pinnedSourcesKey{}).(*pinnedSources)
	return p
}

func (p *pinnedSources) get(url, ref string) (pin, bool) {
	if p == nil {
		return pin{}, false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	v, ok := p.pins[url+"@"+ref]
	return v, ok
}

func (p *pinnedSources) set(url, ref string, v pin) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pins[url+"@"+ref] = v
}

// checkInstalledModules compares the git modules terraform init installed
// into moduleDir with the commits pinned in ctx, and fails when one moved.
// Sources csocbot did not fetch (those inside registry modules) are left
// to the policies on module sources.
func (c *sourceCache) checkInstalledModules(ctx context.Context, moduleDir string) error {
	pins := pinnedSourcesOf(ctx)
	if pins == nil {
		return nil
	}
	b, err := os.ReadFile(filepath.Join(moduleDir, ".terraform", "modules", "modules.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read terraform's module manifest: %w", err)
	}
	var manifest struct {
		Modules []struct{ Key, Source, Dir string }
	}
	if err := json.Unmarshal(b, &manifest); err != nil {
		return fmt.Errorf("read terraform's module manifest: %w", err)
	}
	for _, m := range manifest.Modules {
		if sourceKind(m.Source) != GitModule {
			continue
		}
		addr, _, ref := splitSource(m.Source)
		url := cloneURL(addr)
		p, ok := pins.get(url, ref)
		if !ok {
			continue
		}
		installed, err := headCommit(filepath.Join(moduleDir, filepath.FromSlash(m.Dir)))
		if err != nil {
			return fmt.Errorf("module %q (%s): %w", m.Key, m.Source, err)
		}
		if installed != p.commit {
			c.forget(url, ref)
			return fmt.Errorf("%w: module %q (%s) was checked at commit %s, but terraform init installed commit %s; plan again, and pin module sources to a tag or commit",
				ErrSourceMoved, m.Key, m.Source, short(p.commit), short(installed))
		}
	}
	return nil
}

// headCommit is the commit checked out in the git clone holding dir.
func headCommit(dir string) (string, error) {
	r, err := git.PlainOpenWithOptions(dir, &git.PlainOpenOptions{DetectDotGit: true})
	if err != nil {
		return "", fmt.Errorf("open the installed clone: %w", err)
	}
	h, err := r.Head()
	if err != nil {
		return "", fmt.Errorf("read the installed commit: %w", err)
	}
	return h.Hash().String(), nil
}

func short(commit string) string { return commit[:min(12, len(commit))] }

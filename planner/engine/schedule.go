package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// node is one unit of a run for the scheduler.
type node struct {
	path string
	deps []string // paths of units it depends on; those outside the run are ignored
	skip string   // when set, the node never runs and is skipped for this reason
}

// outcome is how a scheduled unit ended.
type outcome struct {
	err        error
	skipReason string // set when the unit never ran
	failed     string // the failed unit that caused the skip, if one did
	how        string // how that unit ended: "failed" or "was blocked"
}

// ended says how a unit whose work returned err ended, for the skip
// reasons of its dependents.
func ended(err error) string {
	if errors.Is(err, ErrBlocked) {
		return "was blocked"
	}
	if errors.Is(err, errNotEvaluated) {
		return "could not be evaluated"
	}
	return "failed"
}

// schedule runs work for every node once the nodes it depends on have
// succeeded, at most parallel at a time. A node whose dependency failed or
// was skipped is skipped with the reason; unrelated nodes go on. Nodes
// must come in an order where dependencies come first.
func schedule(ctx context.Context, nodes []node, parallel int, work func(ctx context.Context, i int) error) []outcome {
	out := make([]outcome, len(nodes))
	done := make([]chan struct{}, len(nodes))
	index := make(map[string]int, len(nodes))
	for i, n := range nodes {
		done[i] = make(chan struct{})
		index[n.path] = i
	}
	sem := make(chan struct{}, max(parallel, 1))
	var wg sync.WaitGroup
	for i, n := range nodes {
		wg.Go(func() {
			defer close(done[i])
			for _, d := range n.deps {
				j, ok := index[d]
				if !ok {
					continue
				}
				<-done[j]
				if out[j].err != nil {
					how := ended(out[j].err)
					out[i].skipReason, out[i].failed, out[i].how = fmt.Sprintf("dependency %s %s", d, how), d, how
					return
				}
				if out[j].skipReason != "" {
					out[i].skipReason, out[i].failed, out[i].how = fmt.Sprintf("dependency %s was skipped", d), out[j].failed, out[j].how
					if out[j].failed != "" {
						out[i].skipReason += fmt.Sprintf(" because %s %s", out[j].failed, out[j].how)
					}
					return
				}
			}
			if n.skip != "" {
				out[i].skipReason = n.skip
				return
			}
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				out[i].skipReason = "the run was cancelled"
				return
			}
			defer func() { <-sem }()
			if ctx.Err() != nil {
				out[i].skipReason = "the run was cancelled"
				return
			}
			out[i].err = work(ctx, i)
		})
	}
	wg.Wait()
	return out
}

package detect

import (
	"container/heap"
	"fmt"
	"sort"
	"strings"
)

// graph is the dependency graph of units: edges point from a unit to the
// units it depends on.
type graph struct {
	deps       map[string][]string
	dependents map[string][]string
}

func newGraph(deps map[string][]string) *graph {
	g := &graph{deps: deps, dependents: map[string][]string{}}
	for n, ds := range deps {
		for _, d := range ds {
			g.dependents[d] = append(g.dependents[d], n)
		}
	}
	for _, ds := range g.dependents {
		sort.Strings(ds)
	}
	return g
}

// CycleError reports a dependency cycle.
type CycleError struct {
	Cycle []string // the units in order, the first repeated at the end
}

func (e *CycleError) Error() string {
	return fmt.Sprintf("dependency cycle: %s; remove one of these dependency blocks or dependencies.paths entries", strings.Join(e.Cycle, " -> "))
}

// order returns every node in apply order: dependencies first, ties broken
// by path so the order is stable. It fails with a CycleError naming one
// cycle when there is one.
func (g *graph) order() ([]string, error) {
	indegree := make(map[string]int, len(g.deps))
	ready := &pathHeap{}
	for n, ds := range g.deps {
		indegree[n] = len(ds)
		if len(ds) == 0 {
			*ready = append(*ready, n)
		}
	}
	heap.Init(ready)
	out := make([]string, 0, len(g.deps))
	for ready.Len() > 0 {
		n := heap.Pop(ready).(string)
		out = append(out, n)
		for _, m := range g.dependents[n] {
			indegree[m]--
			if indegree[m] == 0 {
				heap.Push(ready, m)
			}
		}
	}
	if len(out) < len(g.deps) {
		return nil, &CycleError{Cycle: g.findCycle(indegree)}
	}
	return out, nil
}

// pathHeap is a min-heap of paths.
type pathHeap []string

func (h pathHeap) Len() int           { return len(h) }
func (h pathHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h pathHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *pathHeap) Push(x any)        { *h = append(*h, x.(string)) }
func (h *pathHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// findCycle walks dependencies among the nodes left with unmet
// dependencies until one repeats.
func (g *graph) findCycle(indegree map[string]int) []string {
	var start string
	for n, d := range indegree {
		if d > 0 && (start == "" || n < start) {
			start = n
		}
	}
	seen := map[string]int{}
	var walk []string
	for n := start; ; {
		if i, ok := seen[n]; ok {
			return append(walk[i:], n)
		}
		seen[n] = len(walk)
		walk = append(walk, n)
		next := ""
		for _, d := range g.deps[n] {
			if indegree[d] > 0 {
				next = d
				break
			}
		}
		n = next
	}
}

// dependentsClosure returns every node that depends, directly or not, on
// one of roots, with the dependency through which it was reached.
func (g *graph) dependentsClosure(roots []string) map[string]string {
	via := map[string]string{}
	queue := append([]string(nil), roots...)
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for _, m := range g.dependents[n] {
			if _, ok := via[m]; ok {
				continue
			}
			via[m] = n
			queue = append(queue, m)
		}
	}
	return via
}

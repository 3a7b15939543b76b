package detect

import (
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
	for n, ds := range g.deps {
		indegree[n] += 0
		for range ds {
			indegree[n]++
		}
	}
	var ready []string
	for n, d := range indegree {
		if d == 0 {
			ready = append(ready, n)
		}
	}
	sort.Strings(ready)
	out := make([]string, 0, len(g.deps))
	for len(ready) > 0 {
		n := ready[0]
		ready = ready[1:]
		out = append(out, n)
		var freed []string
		for _, m := range g.dependents[n] {
			indegree[m]--
			if indegree[m] == 0 {
				freed = append(freed, m)
			}
		}
		if len(freed) > 0 {
			ready = mergeSorted(ready, freed)
		}
	}
	if len(out) < len(g.deps) {
		return nil, &CycleError{Cycle: g.findCycle(indegree)}
	}
	return out, nil
}

func mergeSorted(a, b []string) []string {
	sort.Strings(b)
	out := make([]string, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		if a[i] <= b[j] {
			out = append(out, a[i])
			i++
		} else {
			out = append(out, b[j])
			j++
		}
	}
	return append(append(out, a[i:]...), b[j:]...)
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

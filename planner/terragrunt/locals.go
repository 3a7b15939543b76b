package terragrunt

import (
	"container/heap"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// localsOrder is the order in which locals are evaluated: in passes over
// the locals sorted by name, each pass evaluating every local whose
// references are evaluated by then, as Terragrunt does. stuck are the
// locals that are never ready (a cycle), by name.
//
// Rescanning the remaining locals in passes would take time quadratic in
// their number (a chain of 25,000 locals took minutes): instead a local
// is scheduled when its last reference is evaluated, into the pass the
// scan would reach it in, and a heap takes them in (pass, name) order.
func localsOrder(attrs hclsyntax.Attributes) (order, stuck []*hclsyntax.Attribute) {
	sorted := make([]*hclsyntax.Attribute, 0, len(attrs))
	for _, a := range attrs {
		sorted = append(sorted, a)
	}
	slices.SortFunc(sorted, func(a, b *hclsyntax.Attribute) int { return strings.Compare(a.Name, b.Name) })
	index := make(map[string]int, len(sorted))
	for i, a := range sorted {
		index[a.Name] = i
	}
	waiting := make([]int, len(sorted))      // references not evaluated yet
	dependents := make([][]int, len(sorted)) // by reference
	ready := &passHeap{}
	for i, a := range sorted {
		for _, name := range referencedLocals(a.Expr) {
			if j, ok := index[name]; ok {
				waiting[i]++
				dependents[j] = append(dependents[j], i)
			}
		}
		if waiting[i] == 0 {
			heap.Push(ready, scheduled{pass: 0, index: i})
		}
	}
	evaluated := make([]bool, len(sorted))
	for ready.Len() > 0 {
		s := heap.Pop(ready).(scheduled)
		order = append(order, sorted[s.index])
		evaluated[s.index] = true
		for _, i := range dependents[s.index] {
			if waiting[i]--; waiting[i] == 0 {
				pass := s.pass
				if i < s.index { // the scan is past it: next pass
					pass++
				}
				heap.Push(ready, scheduled{pass: pass, index: i})
			}
		}
	}
	for i, a := range sorted {
		if !evaluated[i] {
			stuck = append(stuck, a)
		}
	}
	return order, stuck
}

// referencedLocals lists the names expr refers to as local.<name>, once
// each.
func referencedLocals(expr hclsyntax.Expression) []string {
	var names []string
	for _, tr := range expr.Variables() {
		if tr.RootName() != "local" || len(tr) < 2 {
			continue
		}
		if attr, ok := tr[1].(hcl.TraverseAttr); ok && !slices.Contains(names, attr.Name) {
			names = append(names, attr.Name)
		}
	}
	return names
}

// localVariable is the local variable expr sees: only the locals it refers
// to, as building an object of all evaluated locals for each of them
// would take time quadratic in their number. An expression that uses
// local as a whole, or refers to a local that does not exist (whose error
// suggests the names that do), sees all of them.
func localVariable(expr hclsyntax.Expression, done map[string]cty.Value, all hclsyntax.Attributes) cty.Value {
	refs := map[string]cty.Value{}
	for _, tr := range expr.Variables() {
		if tr.RootName() != "local" {
			continue
		}
		attr, ok := hcl.TraverseAttr{}, len(tr) >= 2
		if ok {
			attr, ok = tr[1].(hcl.TraverseAttr)
		}
		if _, exists := all[attr.Name]; !ok || !exists {
			return cty.ObjectVal(done)
		}
		refs[attr.Name] = done[attr.Name]
	}
	return cty.ObjectVal(refs)
}

// scheduled is a local that is ready, in the pass of the scan that
// evaluates it.
type scheduled struct{ pass, index int }

type passHeap []scheduled

func (h passHeap) Len() int { return len(h) }
func (h passHeap) Less(i, j int) bool {
	return h[i].pass < h[j].pass || h[i].pass == h[j].pass && h[i].index < h[j].index
}
func (h passHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *passHeap) Push(x any)   { *h = append(*h, x.(scheduled)) }
func (h *passHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

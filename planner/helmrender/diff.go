package helmrender

import (
	"slices"

	"github.com/aymanbagabas/go-udiff"
)

// ObjectChange is an object added, removed or changed between two renders.
// Diff is a unified diff of the object's YAML (for every Op).
type ObjectChange struct {
	Kind, Namespace, Name string
	Op                    string // added, removed or changed
	Diff                  string
}

// Object change operations.
const (
	OpAdded   = "added"
	OpRemoved = "removed"
	OpChanged = "changed"
)

// DiffObjects compares two renders, sorted by kind, namespace and name.
func DiffObjects(before, after []Object) []ObjectChange {
	type key struct{ kind, ns, name string }
	old := make(map[key]Object, len(before))
	for _, o := range before {
		old[key{o.Kind, o.Namespace, o.Name}] = o
	}
	var out []ObjectChange
	seen := make(map[key]bool, len(after))
	for _, n := range after {
		k := key{n.Kind, n.Namespace, n.Name}
		seen[k] = true
		o, ok := old[k]
		switch {
		case !ok:
			out = append(out, change(n, OpAdded, udiff.Unified("/dev/null", label(n), "", n.YAML)))
		case o.YAML != n.YAML:
			out = append(out, change(n, OpChanged, udiff.Unified(label(o), label(n), o.YAML, n.YAML)))
		}
	}
	for _, o := range before {
		if k := (key{o.Kind, o.Namespace, o.Name}); !seen[k] {
			seen[k] = true
			out = append(out, change(o, OpRemoved, udiff.Unified(label(o), "/dev/null", o.YAML, "")))
		}
	}
	slices.SortFunc(out, func(a, b ObjectChange) int {
		return compareObjects(Object{Kind: a.Kind, Namespace: a.Namespace, Name: a.Name}, Object{Kind: b.Kind, Namespace: b.Namespace, Name: b.Name})
	})
	return out
}

func change(o Object, op, diff string) ObjectChange {
	return ObjectChange{Kind: o.Kind, Namespace: o.Namespace, Name: o.Name, Op: op, Diff: diff}
}

func label(o Object) string {
	if o.Namespace == "" {
		return o.Kind + "/" + o.Name
	}
	return o.Kind + "/" + o.Namespace + "/" + o.Name
}

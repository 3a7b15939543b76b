package command

import (
	"slices"
	"strings"
)

// Limit bounds what one comment asks for: it drops repeated commands and
// repeated errors, then keeps the first max of what is left, commands and
// errors together in line order, and returns how many it dropped over
// max. A comment is written by anyone who can comment, so its size must
// not decide how much work or how many replies csocbot produces.
func Limit(cmds []Command, errs []*Error, max int) ([]Command, []*Error, int) {
	cmds = distinct(cmds, commandKey)
	errs = distinct(errs, func(e *Error) string { return e.Err.Error() })
	var (
		keptCmds []Command
		keptErrs []*Error
		ignored  int
	)
	for i, j := 0, 0; i < len(cmds) || j < len(errs); {
		cmdFirst := j == len(errs) || (i < len(cmds) && cmds[i].Line < errs[j].Line)
		full := len(keptCmds)+len(keptErrs) >= max
		switch {
		case full:
			ignored++
		case cmdFirst:
			keptCmds = append(keptCmds, cmds[i])
		default:
			keptErrs = append(keptErrs, errs[j])
		}
		if cmdFirst {
			i++
		} else {
			j++
		}
	}
	return keptCmds, keptErrs, ignored
}

// Merge combines the commands of one name into one, at the first one's
// place: several "plan -d" lines are one plan of all their paths, a single
// job. A command that names no path (or no policy set) asks for
// everything, and so does their combination.
func Merge(cmds []Command) []Command {
	var out []Command
	at := map[Name]int{}
	for _, c := range cmds {
		i, seen := at[c.Name]
		if !seen {
			at[c.Name] = len(out)
			out = append(out, c)
			continue
		}
		out[i] = merged(out[i], c)
	}
	return out
}

// merged is a and b, two commands of one name, as one.
func merged(a, b Command) Command {
	if everything(a) || everything(b) {
		a.Units, a.Dirs, a.PolicySets = nil, nil, nil
		return a
	}
	a.Units = union(a.Units, b.Units)
	a.Dirs = union(a.Dirs, b.Dirs)
	a.PolicySets = union(a.PolicySets, b.PolicySets)
	return a
}

// everything reports whether a command selects no units, directories or
// policy sets, and so all of them.
func everything(c Command) bool {
	return len(c.Units) == 0 && len(c.Dirs) == 0 && len(c.PolicySets) == 0
}

func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, s := range b {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// commandKey identifies what a command asks for, whatever its line.
func commandKey(c Command) string {
	return strings.Join([]string{string(c.Name), strings.Join(c.Units, "\x00"), strings.Join(c.Dirs, "\x00"), strings.Join(c.PolicySets, "\x00")}, "\x01")
}

// distinct keeps the first of the items with the same key.
func distinct[T any](items []T, key func(T) string) []T {
	seen := map[string]bool{}
	var out []T
	for _, it := range items {
		if k := key(it); !seen[k] {
			seen[k] = true
			out = append(out, it)
		}
	}
	return out
}

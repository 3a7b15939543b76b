package tfconfig

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
)

// maxInstances bounds ReadTree: module calls that fan out at every level
// would otherwise list exponentially many instances.
const maxInstances = 10000

// Instance is a module in a configuration, reached from the root module
// through a chain of module calls.
type Instance struct {
	// Path lists the names of the module calls from the root module to
	// this one: empty for the root, ["vpc", "subnets"] for
	// module.vpc.module.subnets.
	Path   []string
	Module *Module
}

// Address returns the address of a declaration of the instance's module
// ("aws_subnet.a", a Block's or Provisioner's address) in the whole
// configuration: "module.vpc.aws_subnet.a".
func (in Instance) Address(local string) string {
	if len(in.Path) == 0 {
		return local
	}
	var sb strings.Builder
	for _, name := range in.Path {
		sb.WriteString("module.")
		sb.WriteString(name)
		sb.WriteByte('.')
	}
	sb.WriteString(local)
	return sb.String()
}

// ReadTree reads the module in dir and the local modules it calls, directly
// or through other local modules, within fsys. It lists one Instance per
// call path, depth first in declaration order, starting with the root
// module; a module called twice is read once and listed twice.
//
// Calls to other sources (registries, git, …), to local paths that leave
// the root of fsys, and to a module already on the call path (a cycle) are
// not followed.
//
// When dir cannot be listed ReadTree returns no instances and the error.
// When called modules cannot be listed or some files cannot be read or
// parsed, it returns all it could read together with an error joining
// the problems.
func ReadTree(fsys fs.FS, dir string) ([]Instance, error) {
	root, err := Read(fsys, dir)
	if root == nil {
		return nil, err
	}
	errs := []error{err}
	read := map[string]*Module{root.Dir: root}
	out := []Instance{{Module: root}}
	var visit func(m *Module, callPath, dirs []string) bool
	visit = func(m *Module, callPath, dirs []string) bool {
		for _, c := range m.ModuleCalls {
			if c.Dir == "" || slices.Contains(dirs, c.Dir) {
				continue
			}
			child, ok := read[c.Dir]
			if !ok {
				var err error
				child, err = Read(fsys, c.Dir)
				if child == nil {
					err = fmt.Errorf("%s:%d: module %q: %w", c.File, c.Line, c.Name, err)
				}
				errs = append(errs, err)
				read[c.Dir] = child
			}
			if child == nil {
				continue
			}
			if len(out) == maxInstances {
				errs = append(errs, fmt.Errorf("%s: more than %d module instances", root.Dir, maxInstances))
				return false
			}
			p := append(slices.Clip(callPath), c.Name)
			out = append(out, Instance{Path: p, Module: child})
			if !visit(child, p, append(slices.Clip(dirs), c.Dir)) {
				return false
			}
		}
		return true
	}
	visit(root, nil, []string{root.Dir})
	return out, errors.Join(errs...)
}

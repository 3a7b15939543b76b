// Package tfconfig reads the declarations of a Terraform module directory
// (one folder of .tf and .tf.json files) without evaluating it: the
// variables it declares, the modules it calls, its resources, data
// sources, ephemeral resources and provisioners, and the providers it
// configures or requires.
//
// It reads what is written, as Terraform's own loader does before any
// expression is evaluated: count and for_each are not expanded, and a
// module source is known only when it is a literal string. Override files
// (override.tf, *_override.tf and their .tf.json forms) are merged into
// the blocks they override, and the files Terraform ignores (names
// starting with "." or ending in "~", and "#…#" editor files) are skipped.
package tfconfig

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// Module is the declarations of one Terraform module directory.
//
// Files are read in lexical order, override files last. Blocks are listed
// in the order they are declared; the string lists are sorted and hold no
// duplicates. File names are slash-separated paths relative to the root
// of the fs.FS the module was read from.
type Module struct {
	Dir string // the module directory, as given to Read (cleaned)

	Variables   []string     // names of the input variables
	ModuleCalls []ModuleCall // module blocks
	Resources   []Block      // resource blocks
	DataSources []Block      // data blocks, including those nested in check blocks
	Ephemeral   []Block      // ephemeral resource blocks

	// Providers lists the provider blocks, as provider configuration
	// addresses: "aws", or "aws.west" for a block with alias = "west".
	Providers []string
	// AssumedRoles lists the assume_role and assume_role_with_web_identity
	// blocks of the provider blocks (those of override files too), in
	// the order the files are read.
	AssumedRoles []AssumedRole
	// RequiredProviders lists the local names in the required_providers
	// blocks.
	RequiredProviders []string

	// Provisioners lists the provisioner blocks of resources, and of
	// removed blocks (destroy-time provisioners of a resource no longer in
	// the configuration), in file and line order.
	Provisioners []Provisioner
}

// ModuleCall is a module block.
type ModuleCall struct {
	Name string // "vpc" for module "vpc"
	// Source is the source argument when it is a literal string; "" when
	// it is missing or an expression.
	Source string
	// Dir is the directory of a local module ("./…" or "../…" source)
	// resolved within the fs.FS, or "" for other sources and for local
	// paths that leave the root of the fs.FS.
	Dir  string
	File string
	Line int
}

// Block is a resource, data or ephemeral block.
type Block struct {
	Type    string // "aws_s3_bucket"
	Name    string // "logs"
	Address string // "aws_s3_bucket.logs", "data.aws_iam_policy_document.x", "ephemeral.random_password.p"
	// Provider is the provider configuration the block uses: its provider
	// meta-argument when it has one ("aws" or "aws.west"), otherwise the
	// provider its type implies (the part before the first "_").
	Provider string
	File     string
	Line     int
}

// AssumedRole is an assume_role or assume_role_with_web_identity block of
// a provider block, or a dynamic block making them, with a role_arn
// argument: the IAM role the provider's credentials assume.
type AssumedRole struct {
	Provider string // the provider configuration: "aws", "aws.west"
	Block    string // "assume_role" or "assume_role_with_web_identity"
	// RoleARN is role_arn when it is a literal string (an expression of
	// literals only, as "${"arn"}:…", counts as one); "" when Unknown.
	RoleARN string
	// Unknown is set when role_arn refers to anything (variables,
	// locals, functions, a dynamic block's iterator): terraform alone
	// knows the role.
	Unknown bool
	File    string
	Line    int
}

// Provisioner is a provisioner block.
type Provisioner struct {
	// Resource is the address of the resource the provisioner belongs to
	// ("terraform_data.seed"), or the from address of the removed block
	// that holds it.
	Resource string
	Type     string // "local-exec", "remote-exec", "file"
	File     string
	Line     int
}

// FileError is a Terraform file that could not be read, or does not parse
// or decode as Terraform configuration.
type FileError struct {
	File string // slash-separated, relative to the root of the fs.FS
	Line int    // line of the first error, 0 when the file could not be read
	Err  error  // the read error, or the hcl.Diagnostics
}

func (e *FileError) Error() string {
	var diags hcl.Diagnostics
	if !errors.As(e.Err, &diags) {
		return fmt.Sprintf("%s: %v", e.File, e.Err)
	}
	var first *hcl.Diagnostic
	n := 0
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			if first == nil {
				first = d
			}
			n++
		}
	}
	if first == nil {
		return fmt.Sprintf("%s: %v", e.File, e.Err)
	}
	msg := first.Summary
	if first.Detail != "" {
		msg += ": " + first.Detail
	}
	if n > 1 {
		msg += fmt.Sprintf(" (and %d more errors)", n-1)
	}
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, msg)
	}
	return fmt.Sprintf("%s: %s", e.File, msg)
}

func (e *FileError) Unwrap() error { return e.Err }

// Read reads the declarations of the Terraform files directly in dir, a
// slash-separated path within fsys (os.DirFS, a git snapshot, …).
//
// When dir cannot be listed Read returns a nil Module and the error. When
// some of its files cannot be read or parsed, Read returns the
// declarations of the other files together with an error that joins one
// *FileError per such file, each naming the file and line.
func Read(fsys fs.FS, dir string) (*Module, error) {
	return read(fsys, dir, false)
}

// ReadModuleCalls reads only the module blocks of the Terraform files
// directly in dir, like Read, but much faster on large repositories: it
// does not parse the files that cannot hold a module block (most of them
// declare variables, outputs and resources), so it does not report their
// syntax errors either, and decodes nothing but module blocks.
func ReadModuleCalls(fsys fs.FS, dir string) ([]ModuleCall, error) {
	m, err := read(fsys, dir, true)
	if m == nil {
		return nil, err
	}
	return m.ModuleCalls, err
}

func read(fsys fs.FS, dir string, callsOnly bool) (*Module, error) {
	dir = path.Clean(dir)
	if !fs.ValidPath(dir) {
		return nil, &fs.PathError{Op: "readdir", Path: dir, Err: fs.ErrInvalid}
	}
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	// Primary files first, then override files, each in lexical order
	// (fs.ReadDir sorts entries by name).
	r := &reader{m: &Module{Dir: dir}}
	var errs []error
	for _, override := range []bool{false, true} {
		for _, e := range entries {
			name := e.Name()
			if e.IsDir() || ignored(name) {
				continue
			}
			base, ok := strings.CutSuffix(name, ".tf")
			if !ok {
				if base, ok = strings.CutSuffix(name, ".tf.json"); !ok {
					continue
				}
			}
			if override != (base == "override" || strings.HasSuffix(base, "_override")) {
				continue
			}
			p := path.Join(dir, name)
			src, err := fs.ReadFile(fsys, p)
			if err != nil {
				errs = append(errs, &FileError{File: p, Err: err})
				continue
			}
			if callsOnly && !mayCallModules(name, src) {
				// Most Terraform files (variables, outputs) call no
				// module; not parsing them is most of the cost of a
				// repository scan.
				continue
			}
			f, diags := decodeFile(p, src, callsOnly)
			if diags.HasErrors() {
				errs = append(errs, &FileError{File: p, Line: firstErrorLine(diags), Err: diags})
				continue
			}
			r.merge(f, override)
		}
	}
	return r.module(), errors.Join(errs...)
}

// ignored reports whether Terraform ignores a file of the module
// directory: hidden files and editor backups, swap and lock files.
func ignored(name string) bool {
	return strings.HasPrefix(name, ".") || strings.HasSuffix(name, "~") ||
		(strings.HasPrefix(name, "#") && strings.HasSuffix(name, "#"))
}

// mayCallModules reports whether a file may hold a module block: it
// contains the word, or, in JSON, an escape that could spell it.
func mayCallModules(name string, src []byte) bool {
	return bytes.Contains(src, []byte("module")) ||
		(strings.HasSuffix(name, ".json") && bytes.Contains(src, []byte(`\u`)))
}

func firstErrorLine(diags hcl.Diagnostics) int {
	for _, d := range diags {
		if d.Severity == hcl.DiagError && d.Subject != nil {
			return d.Subject.Start.Line
		}
	}
	return 0
}

// reader accumulates the declarations of a module's files.
type reader struct {
	m         *Module
	vars      map[string]bool
	providers map[string]bool
	required  map[string]bool
	blocks    []*blockDecl // resources, data sources and ephemeral resources
	removed   []Provisioner
}

// merge adds the declarations of one file. Those of an override file
// modify the blocks they name, as Terraform merges them; an override
// block with no original is added.
func (r *reader) merge(f *fileDecls, override bool) {
	r.vars = addAll(r.vars, f.vars)
	r.providers = addAll(r.providers, f.providers)
	r.m.AssumedRoles = append(r.m.AssumedRoles, f.roles...)
	r.required = addAll(r.required, f.required)
	r.removed = append(r.removed, f.removed...)
calls:
	for _, c := range f.calls {
		if override {
			for i := range r.m.ModuleCalls {
				orig := &r.m.ModuleCalls[i]
				if orig.Name != c.Name {
					continue
				}
				if c.hasSource {
					orig.Source, orig.Dir = c.Source, c.Dir
				}
				continue calls
			}
		}
		r.m.ModuleCalls = append(r.m.ModuleCalls, c.ModuleCall)
	}
blocks:
	for _, b := range f.blocks {
		if override {
			for _, orig := range r.blocks {
				if orig.kind != b.kind || orig.Address != b.Address {
					continue
				}
				if b.explicitProvider {
					orig.Provider = b.Provider
				}
				if len(b.provisioners) > 0 {
					orig.provisioners = b.provisioners
				}
				continue blocks
			}
		}
		r.blocks = append(r.blocks, b)
	}
}

func (r *reader) module() *Module {
	m := r.m
	m.Variables = sortedKeys(r.vars)
	m.Providers = sortedKeys(r.providers)
	m.RequiredProviders = sortedKeys(r.required)
	for _, b := range r.blocks {
		switch b.kind {
		case "resource":
			m.Resources = append(m.Resources, b.Block)
			m.Provisioners = append(m.Provisioners, b.provisioners...)
		case "data":
			m.DataSources = append(m.DataSources, b.Block)
		case "ephemeral":
			m.Ephemeral = append(m.Ephemeral, b.Block)
		}
	}
	m.Provisioners = append(m.Provisioners, r.removed...)
	slices.SortStableFunc(m.Provisioners, func(a, b Provisioner) int {
		if c := strings.Compare(a.File, b.File); c != 0 {
			return c
		}
		return a.Line - b.Line
	})
	return m
}

// addAll adds keys to the set m, making it when needed.
func addAll(m map[string]bool, keys []string) map[string]bool {
	if len(keys) > 0 && m == nil {
		m = make(map[string]bool, len(keys))
	}
	for _, k := range keys {
		m[k] = true
	}
	return m
}

func sortedKeys(m map[string]bool) []string {
	if len(m) == 0 {
		return nil
	}
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

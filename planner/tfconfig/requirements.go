package tfconfig

import (
	"errors"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// Requirements are what a module directory asks Terraform to install: the
// providers of its required_providers blocks and the versions of the
// modules it calls. Read leaves them out because only policy needs them.
type Requirements struct {
	// Providers are sorted by local name.
	Providers []RequiredProvider
	// ModuleVersions maps a module call's name to its version argument,
	// when that is a literal string (registry modules).
	ModuleVersions map[string]string
}

// RequiredProvider is one entry of a required_providers block.
type RequiredProvider struct {
	Name string // local name: "aws"
	// Source is the source address as written ("hashicorp/aws"); "" when
	// the entry has none (Terraform then assumes hashicorp/<name>).
	Source string
	// Version is the version constraint, "" when none.
	Version string
}

var (
	requirementsSchema = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
		{Type: "terraform"},
		{Type: "module", LabelNames: []string{"name"}},
	}}
	moduleVersionSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "version"}}}
)

// ReadRequirements reads the requirements of the Terraform files directly
// in dir, override files last, as Read does. Like Read, it returns what it
// could read together with an error joining one *FileError per file that
// could not be read or parsed.
func ReadRequirements(fsys fs.FS, dir string) (*Requirements, error) {
	dir = path.Clean(dir)
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	providers := map[string]RequiredProvider{}
	req := &Requirements{ModuleVersions: map[string]string{}}
	var errs []error
	for _, override := range []bool{false, true} {
		for _, e := range entries {
			name, ok := terraformFile(e, override)
			if !ok {
				continue
			}
			p := path.Join(dir, name)
			src, err := fs.ReadFile(fsys, p)
			if err != nil {
				errs = append(errs, &FileError{File: p, Err: err})
				continue
			}
			if diags := decodeRequirements(p, src, providers, req.ModuleVersions); diags.HasErrors() {
				errs = append(errs, &FileError{File: p, Line: firstErrorLine(diags), Err: diags})
			}
		}
	}
	for _, rp := range providers {
		req.Providers = append(req.Providers, rp)
	}
	slices.SortFunc(req.Providers, func(a, b RequiredProvider) int { return strings.Compare(a.Name, b.Name) })
	return req, errors.Join(errs...)
}

// terraformFile returns the name of a Terraform file of the pass (primary
// or override files) e belongs to.
func terraformFile(e fs.DirEntry, override bool) (string, bool) {
	name := e.Name()
	if e.IsDir() || ignored(name) {
		return "", false
	}
	base, ok := strings.CutSuffix(name, ".tf")
	if !ok {
		if base, ok = strings.CutSuffix(name, ".tf.json"); !ok {
			return "", false
		}
	}
	return name, override == (base == "override" || strings.HasSuffix(base, "_override"))
}

// decodeRequirements adds one file's required providers and module
// versions; a later declaration of a name replaces an earlier one.
func decodeRequirements(name string, src []byte, providers map[string]RequiredProvider, versions map[string]string) hcl.Diagnostics {
	f, diags := parseFile(name, src)
	if diags.HasErrors() || f == nil {
		return diags
	}
	content, _, diags := f.Body.PartialContent(requirementsSchema)
	for _, b := range content.Blocks {
		switch b.Type {
		case "module":
			inner, _, d := b.Body.PartialContent(moduleVersionSchema)
			diags = append(diags, d...)
			if a, ok := inner.Attributes["version"]; ok {
				versions[b.Labels[0]] = literalString(a.Expr)
			}
		case "terraform":
			inner, _, d := b.Body.PartialContent(terraformSchema)
			diags = append(diags, d...)
			for _, rp := range inner.Blocks {
				attrs, d := rp.Body.JustAttributes()
				diags = append(diags, d...)
				for local, a := range attrs {
					providers[local] = requiredProvider(local, a.Expr)
				}
			}
		}
	}
	return diags
}

// requiredProvider reads an entry, `{ source = "…", version = "…" }` or
// the legacy form, a version string.
func requiredProvider(name string, expr hcl.Expression) RequiredProvider {
	rp := RequiredProvider{Name: name}
	pairs, diags := hcl.ExprMap(expr)
	if diags.HasErrors() {
		rp.Version = literalString(expr)
		return rp
	}
	for _, kv := range pairs {
		key := hcl.ExprAsKeyword(kv.Key)
		if key == "" {
			key = literalString(kv.Key) // quoted keys, and every key in JSON
		}
		switch key {
		case "source":
			rp.Source = literalString(kv.Value)
		case "version":
			rp.Version = literalString(kv.Value)
		}
	}
	return rp
}

package engine

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing/fstest"

	"github.com/csocbot/csocbot/planner/terragrunt"
	"github.com/csocbot/csocbot/planner/tfconfig"
)

// Bounds of reading one unit's modules: a pull request chooses the module
// calls, and remote ones are fetched and parsed before any policy runs.
const (
	maxModuleDepth   = 16
	maxModules       = 1000
	maxRemoteSources = 32
)

// ModuleKind tells where a module's code comes from.
type ModuleKind string

// Module kinds.
const (
	LocalModule    ModuleKind = "local"    // a folder of the package that calls it
	GitModule      ModuleKind = "git"      // git::URL, github.com/…, git@host:…
	RegistryModule ModuleKind = "registry" // tfr://… or a registry address; not fetched
	OtherModule    ModuleKind = "other"    // http, s3, gcs, … or a source that is not a literal; not fetched
	// GeneratedModule is the files a Terragrunt unit's generate blocks
	// write into its root module.
	GeneratedModule ModuleKind = "generated"
)

// Module is one module instance of a unit's configuration.
type Module struct {
	// Address is the instance's address: "" for the root module,
	// "module.vpc.module.subnets" below it.
	Address string
	// Source is the source as written: the module block's source, or the
	// root's terraform.source ("" for a unit's own folder).
	Source string
	// Version is the ref of a git source, the version argument of a
	// registry module, or for a local module inside remote code the
	// version of that code.
	Version string
	Kind    ModuleKind
	// Remote is set for code from outside the repository.
	Remote bool
	// Package is the address of the remote code without its subfolder and
	// ref ("git::https://host/org/modules.git"); "" for repository code.
	Package string
	// Dir is the module's folder: from the repository root for repository
	// code, within its package for remote code.
	Dir string
	// Decl and Requirements are the module's declarations, nil when its
	// code was not read (not fetched, or not a supported source).
	Decl         *tfconfig.Module
	Requirements *tfconfig.Requirements
}

// Modules are the module instances of a unit, the root first, then depth
// first in declaration order. The Terraform files of a Terragrunt unit's
// own folder, which run inside the module its terraform.source names, and
// then those its generate blocks write, come last with the modules they
// call: Address "", Dir the unit's folder.
type Modules struct {
	List []Module
	// Unreadable joins the errors of files that could not be read or
	// parsed: the rest was read, and terraform reports syntax errors.
	Unreadable error
}

// ModuleReader reads units' modules, fetching git sources into the
// engine's source cache.
type ModuleReader struct {
	sources *sourceCache // nil: remote code is listed, not fetched
}

// ModuleReader returns a reader that fetches git sources through the
// engine's clone cache.
func (e *Engine) ModuleReader() *ModuleReader { return &ModuleReader{sources: e.sources} }

// NewLocalModuleReader returns a reader that fetches nothing: remote
// modules are listed without their code.
func NewLocalModuleReader() *ModuleReader { return &ModuleReader{} }

// Read returns the modules of the unit at unitPath of files: its root
// module (cfg's terraform.source for a Terragrunt unit, nil cfg for a plain
// root) and every module it calls, recursively, fetching git sources.
//
// The error is for a unit that must not run: a source that would read the
// server's disk (wrapping ErrUnsafeSource), one that could not be
// fetched, or a configuration beyond the bounds on module depth, count and
// fetched sources.
func (r *ModuleReader) Read(ctx context.Context, files fs.FS, unitPath string, cfg *terragrunt.Config) (*Modules, error) {
	w := &moduleWalk{ctx: ctx, r: r, out: &Modules{}, fetched: map[string]fs.FS{}}
	root, p, err := w.root(files, unitPath, cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", unitPath, err)
	}
	if p == nil {
		w.out.List = append(w.out.List, root)
	} else if err := w.visit(*p, root, nil, nil); err != nil {
		return nil, fmt.Errorf("%s: %w", unitPath, err)
	}
	if cfg != nil {
		if p == nil {
			// The root's code was not read: local calls of the unit's
			// files find nothing, the others are judged as usual.
			p = &pkg{fsys: fstest.MapFS{}, key: root.Package + "@" + root.Version}
		}
		if err := w.ownFiles(files, unitPath, cfg, *p, root); err != nil {
			return nil, fmt.Errorf("%s: %w", unitPath, err)
		}
	}
	w.out.Unreadable = errors.Join(w.unreadable...)
	return w.out, nil
}

// moduleFiles is where the request's units' modules are read: the
// revision, or for the terragrunt engine, which may run without it, the
// checkout at Root.
func (req Request) moduleFiles() fs.FS {
	if req.Files != nil {
		return req.Files
	}
	return os.DirFS(req.Root)
}

// pkg is a tree of code modules are read from: the repository, or a
// fetched remote source.
type pkg struct {
	fsys fs.FS
	key  string // "" for the repository, the package address@ref otherwise
}

type moduleWalk struct {
	ctx        context.Context
	r          *ModuleReader
	out        *Modules
	fetched    map[string]fs.FS // package address@ref -> its clone
	unreadable []error
}

// root returns the root module and the package its code is in (nil when
// it is not read).
func (w *moduleWalk) root(files fs.FS, unitPath string, cfg *terragrunt.Config) (Module, *pkg, error) {
	m := Module{Kind: LocalModule, Dir: unitPath}
	if cfg == nil {
		return m, &pkg{fsys: files}, nil
	}
	m.Source = cfg.Terraform.Source
	switch s := cfg.Terraform.Module; s.Kind {
	case terragrunt.NoSource:
		return m, &pkg{fsys: files}, nil
	case terragrunt.LocalSource:
		m.Dir = s.Dir
		return m, &pkg{fsys: files}, nil
	case terragrunt.GitSource:
		m.Kind, m.Remote, m.Package, m.Version = GitModule, true, s.URL, s.Ref
		dir, err := subdir(s.Subdir)
		if err != nil {
			return m, nil, fmt.Errorf("terraform.source %q: %w", m.Source, err)
		}
		m.Dir = dir
		p, err := w.fetch(s.URL, s.Ref)
		if err != nil {
			return m, nil, fmt.Errorf("terraform.source %q: %w", m.Source, err)
		}
		return m, p, nil
	case terragrunt.RegistrySource:
		m.Kind, m.Remote, m.Package, m.Version, m.Dir = RegistryModule, true, s.URL, s.Ref, s.Subdir
	default:
		m.Kind, m.Remote, m.Package, m.Version, m.Dir = OtherModule, true, s.URL, s.Ref, s.Subdir
	}
	return m, nil, nil
}

// visit lists m, read from p, and the modules it calls. callPath holds the
// call names from the root, chain the package and folder of every module
// on the way (to stop at cycles).
func (w *moduleWalk) visit(p pkg, m Module, callPath, chain []string) error {
	if err := w.ctx.Err(); err != nil {
		return err
	}
	if len(w.out.List) >= maxModules {
		return fmt.Errorf("more than %d module instances; csocbot reads every module before planning and stops there", maxModules)
	}
	m, ok := w.read(p.fsys, m)
	w.out.List = append(w.out.List, m)
	if !ok {
		return nil
	}
	return w.visitCalls(p, m, m, callPath, append(slices.Clip(chain), p.key+"|"+m.Dir))
}

// read fills in m's declarations from fsys; false when its folder cannot
// be listed.
func (w *moduleWalk) read(fsys fs.FS, m Module) (Module, bool) {
	decl, err := tfconfig.Read(fsys, m.Dir)
	if decl == nil {
		w.unreadable = append(w.unreadable, fmt.Errorf("module folder %s: %w", m.Dir, err))
		return m, false
	}
	req, rerr := tfconfig.ReadRequirements(fsys, m.Dir)
	w.unreadable = append(w.unreadable, err, rerr)
	m.Decl, m.Requirements = decl, req
	return m, true
}

// ownFiles lists the Terraform files a Terragrunt unit adds to its root
// module, read from p: those of its own folder, which Terragrunt copies
// over the module its terraform.source names, and those its generate
// blocks write. They run inside the root module, so their calls resolve
// there.
func (w *moduleWalk) ownFiles(files fs.FS, unitPath string, cfg *terragrunt.Config, p pkg, root Module) error {
	chain := []string{p.key + "|" + root.Dir}
	if cfg.Terraform.Module.Kind != terragrunt.NoSource {
		m, ok := w.read(files, Module{Kind: LocalModule, Dir: unitPath})
		if ok && hasCode(m.Decl) {
			w.out.List = append(w.out.List, m)
			if err := w.visitCalls(p, root, m, nil, chain); err != nil {
				return err
			}
		}
	}
	gen := generatedFiles(cfg, unitPath)
	if len(gen) == 0 {
		return nil
	}
	m, _ := w.read(gen, Module{Kind: GeneratedModule, Dir: unitPath})
	w.out.List = append(w.out.List, m)
	return w.visitCalls(p, root, m, nil, chain)
}

// generatedFiles are the Terraform files the unit's generate blocks write
// into its root module (provider and version files, often from a shared
// root.hcl): code the unit runs that no file of the repository holds.
func generatedFiles(cfg *terragrunt.Config, unitPath string) fstest.MapFS {
	files := fstest.MapFS{} // generated files exist only in the configuration
	for _, g := range cfg.Generate {
		name := path.Clean(g.Path)
		if g.Disable || strings.Contains(name, "/") || !(strings.HasSuffix(name, ".tf") || strings.HasSuffix(name, ".tf.json")) {
			continue // terraform reads only the module folder's own .tf files
		}
		files[path.Join(unitPath, name)] = &fstest.MapFile{Data: []byte(g.Contents)}
	}
	return files
}

func hasCode(d *tfconfig.Module) bool {
	return len(d.ModuleCalls)+len(d.Resources)+len(d.DataSources)+len(d.Ephemeral)+
		len(d.Provisioners)+len(d.Providers)+len(d.RequiredProviders) > 0
}

// visitCalls follows the module calls written in m, resolved as calls of
// parent read from p (parent is m but for a unit's own files).
func (w *moduleWalk) visitCalls(p pkg, parent, m Module, callPath, chain []string) error {
	for _, c := range m.Decl.ModuleCalls {
		child, cp, err := w.resolve(p, parent, c)
		if err != nil {
			return fmt.Errorf("%s:%d: module %q: %w", w.location(m, c.File), c.Line, c.Name, err)
		}
		if v := m.Requirements.ModuleVersions[c.Name]; v != "" && child.Kind == RegistryModule {
			child.Version = v
		}
		names := append(slices.Clip(callPath), c.Name)
		child.Address = "module." + strings.Join(names, ".module.")
		switch {
		case cp == nil:
			w.out.List = append(w.out.List, child)
		case slices.Contains(chain, cp.key+"|"+child.Dir):
			// A cycle, already listed on this path: terraform reports it.
		case len(names) > maxModuleDepth:
			return fmt.Errorf("%s: modules nested more than %d deep", child.Address, maxModuleDepth)
		default:
			if err := w.visit(*cp, child, names, chain); err != nil {
				return err
			}
		}
	}
	return nil
}

// location names a file of m for messages: remote files with their
// package.
func (w *moduleWalk) location(m Module, file string) string {
	if m.Remote {
		return m.Package + "@" + m.Version + "//" + file
	}
	return file
}

// resolve returns the module a call of parent (read from p) names and the
// package to read it from, nil when its code is not read.
func (w *moduleWalk) resolve(p pkg, parent Module, c tfconfig.ModuleCall) (Module, *pkg, error) {
	src := c.Source
	m := Module{Source: src, Kind: OtherModule, Remote: true}
	switch kind := sourceKind(src); kind {
	case LocalModule:
		dir := path.Join(parent.Dir, src)
		if dir == ".." || strings.HasPrefix(dir, "../") {
			return m, nil, fmt.Errorf("%w: source %q leaves the %s; a module must be inside it", ErrUnsafeSource, src, packageName(parent))
		}
		m.Kind, m.Remote, m.Package, m.Version, m.Dir = LocalModule, parent.Remote, parent.Package, parent.Version, dir
		return m, &p, nil
	case GitModule:
		u, sub, ref := splitSource(src)
		dir, err := subdir(sub)
		if err != nil {
			return m, nil, fmt.Errorf("source %q: %w", src, err)
		}
		m.Kind, m.Package, m.Version, m.Dir = GitModule, u, ref, dir
		fp, err := w.fetch(u, ref)
		if err != nil {
			return m, nil, fmt.Errorf("source %q: %w", src, err)
		}
		return m, fp, nil
	case "":
		return m, nil, fmt.Errorf("%w: source %q is on the server's disk (an absolute path or file:// URL); use a path relative to the module or a network git URL", ErrUnsafeSource, src)
	default:
		u, sub, ref := splitSource(src)
		m.Kind, m.Package, m.Version, m.Dir = kind, u, ref, sub
		return m, nil, nil
	}
}

func packageName(m Module) string {
	if m.Remote {
		return "module source " + m.Package
	}
	return "repository"
}

// fetch returns the package of a git source, nil when the reader fetches
// nothing.
func (w *moduleWalk) fetch(u, ref string) (*pkg, error) {
	if err := checkCloneURL(cloneURL(u)); err != nil {
		return nil, err
	}
	if w.r.sources == nil {
		return nil, nil
	}
	key := u + "@" + ref
	if fsys, ok := w.fetched[key]; ok {
		return &pkg{fsys: fsys, key: key}, nil
	}
	if len(w.fetched) == maxRemoteSources {
		return nil, fmt.Errorf("more than %d remote module sources; csocbot fetches every one before planning and stops there", maxRemoteSources)
	}
	dir, err := w.r.sources.fetch(w.ctx, u, ref)
	if err != nil {
		return nil, fmt.Errorf("%w; every module is read before the plan, so fix the source or make it reachable without credentials", err)
	}
	w.fetched[key] = os.DirFS(dir)
	return &pkg{fsys: w.fetched[key], key: key}, nil
}

var (
	// registryAddress is [host/]namespace/name/system[//subdir].
	registryAddress = regexp.MustCompile(`^([A-Za-z0-9.-]+\.[A-Za-z0-9-]+/)?[A-Za-z0-9][A-Za-z0-9_-]*/[A-Za-z0-9][A-Za-z0-9_-]*/[A-Za-z0-9]+(//.*)?$`)
	windowsPath     = regexp.MustCompile(`^[A-Za-z]:[\\/]`)
)

// sourceKind classifies a module block's source as Terraform does; "" for
// a source on the server's disk, which csocbot refuses.
func sourceKind(src string) ModuleKind {
	forced, addr := "", src
	if i := strings.Index(src, "::"); i > 0 && !strings.Contains(src[:i], "/") {
		forced, addr = src[:i], src[i+2:]
	}
	lower := strings.ToLower(addr)
	switch {
	case src == "":
		return OtherModule
	case forced == "" && (strings.HasPrefix(src, "./") || strings.HasPrefix(src, "../")):
		return LocalModule
	case strings.HasPrefix(addr, "/") || windowsPath.MatchString(addr) || strings.HasPrefix(addr, "~"),
		forced == "file", strings.HasPrefix(lower, "file://"):
		return ""
	case forced == "git", strings.HasPrefix(addr, "github.com/"), strings.HasPrefix(addr, "bitbucket.org/"),
		forced == "" && scpLikeURL.MatchString(addr):
		return GitModule
	case strings.HasPrefix(addr, "tfr://"), forced == "" && registryAddress.MatchString(addr):
		return RegistryModule
	}
	return OtherModule
}

// splitSource splits a remote source into its address (with its forced
// getter), its subfolder and its ?ref=.
func splitSource(src string) (addr, sub, ref string) {
	addr, rawQuery, _ := strings.Cut(src, "?")
	q, _ := url.ParseQuery(rawQuery)
	scheme := ""
	if i := strings.Index(addr, "://"); i >= 0 {
		scheme, addr = addr[:i+3], addr[i+3:]
	}
	addr, sub, _ = strings.Cut(addr, "//")
	return scheme + addr, sub, q.Get("ref")
}

// subdir cleans the //subfolder of a remote source, refusing one that
// leaves it.
func subdir(sub string) (string, error) {
	if sub == "" {
		return ".", nil
	}
	dir := path.Clean(sub)
	if path.IsAbs(dir) || dir == ".." || strings.HasPrefix(dir, "../") {
		return "", fmt.Errorf("%w: subfolder %q leaves the source", ErrUnsafeSource, sub)
	}
	return dir, nil
}

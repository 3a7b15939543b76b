package gitops

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	"helm.sh/helm/v4/pkg/chart/loader/archive"
)

// Options bound and tune Discover. Zero fields take the defaults below.
type Options struct {
	// IsSelf reports whether a source's repoURL is this repository. Nil
	// treats every source with a `ref` as this repository (the gitops
	// repository holding the value files) and no other.
	IsSelf func(repoURL string) bool
	// MaxFiles bounds the files walked (default 50000).
	MaxFiles int
	// MaxFileBytes bounds one file read or rendered (default 2 MiB);
	// larger files are skipped with a Problem.
	MaxFileBytes int64
	// MaxTotalBytes bounds all bytes read (default 256 MiB).
	MaxTotalBytes int64
	// RenderTimeout bounds the rendering of one wrapper chart (default 10 s).
	RenderTimeout time.Duration
}

const (
	defaultMaxFiles      = 50000
	defaultMaxFileBytes  = 2 << 20
	defaultMaxTotalBytes = 256 << 20
	defaultRenderTimeout = 10 * time.Second
)

func (o Options) withDefaults() Options {
	if o.MaxFiles <= 0 {
		o.MaxFiles = defaultMaxFiles
	}
	if o.MaxFileBytes <= 0 {
		o.MaxFileBytes = defaultMaxFileBytes
	}
	if o.MaxTotalBytes <= 0 {
		o.MaxTotalBytes = defaultMaxTotalBytes
	}
	if o.RenderTimeout <= 0 {
		o.RenderTimeout = defaultRenderTimeout
	}
	return o
}

// Problem is a file Discover could not read as Applications; the rest of
// the repository is still discovered.
type Problem struct {
	File    string
	Message string
}

// errTooLarge marks a file over Options.MaxFileBytes.
var errTooLarge = errors.New("file too large")

// Discover finds the Argo CD Applications of the repository in fsys:
// Application documents of plain YAML manifests, and the Applications
// that wrapper charts (a folder with Chart.yaml whose templates make
// Applications) render with their own values.yaml. Applications come
// sorted by File, in document order within a file. The error is for
// what stops the whole walk: a cancelled context, an unreadable root or
// a repository over Options' bounds.
func Discover(ctx context.Context, fsys fs.FS, opts Options) ([]Application, []Problem, error) {
	d := &discovery{ctx: ctx, fsys: fsys, opts: opts.withDefaults(), dirStart: map[string]int{}, loaded: map[string]loaded{}}
	if err := d.walk(); err != nil {
		return nil, nil, err
	}
	claimed, err := d.wrappers()
	if err != nil {
		return nil, nil, err
	}
	if err := d.manifests(claimed); err != nil {
		return nil, nil, err
	}
	d.finish()
	return d.apps, d.problems, nil
}

type discovery struct {
	ctx      context.Context
	fsys     fs.FS
	opts     Options
	files    []string       // regular files in walk order
	charts   []string       // folders holding a Chart.yaml
	dirStart map[string]int // folder → index in files of its first file
	total    int64          // bytes read so far
	loaded   map[string]loaded
	apps     []Application
	problems []Problem
}

func (d *discovery) problem(file, format string, args ...any) {
	d.problems = append(d.problems, Problem{File: file, Message: fmt.Sprintf(format, args...)})
}

// walk lists the regular files outside dot-folders. fs.WalkDir visits a
// folder's entries in name order, so a folder's files are contiguous.
func (d *discovery) walk() error {
	err := fs.WalkDir(d.fsys, ".", func(name string, e fs.DirEntry, err error) error {
		if cerr := d.ctx.Err(); cerr != nil {
			return cerr
		}
		if err != nil {
			if name == "." {
				return err
			}
			d.problem(name, "cannot be read: %v", err)
			return nil
		}
		if e.IsDir() {
			if name != "." && strings.HasPrefix(e.Name(), ".") {
				return fs.SkipDir
			}
			d.dirStart[name] = len(d.files)
			return nil
		}
		// Symbolic links are not followed: on a checkout they could
		// point outside the repository.
		if !e.Type().IsRegular() {
			return nil
		}
		if len(d.files) == d.opts.MaxFiles {
			return fmt.Errorf("the repository has more than %d files; raise the file limit or split the repository", d.opts.MaxFiles)
		}
		d.files = append(d.files, name)
		if e.Name() == "Chart.yaml" {
			d.charts = append(d.charts, path.Dir(name))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("listing the repository's files: %w", err)
	}
	return nil
}

// filesUnder returns the files below dir, relying on walk's order.
func (d *discovery) filesUnder(dir string) []string {
	start, ok := d.dirStart[dir]
	if !ok {
		return nil
	}
	prefix := dir + "/"
	end := start
	for end < len(d.files) && (dir == "." || strings.HasPrefix(d.files[end], prefix)) {
		end++
	}
	return d.files[start:end]
}

// read reads a file, bounded by MaxFileBytes (errTooLarge) and by the
// total budget (any other error wrapping it stops Discover).
func (d *discovery) read(name string) ([]byte, error) {
	f, err := d.fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// A known size spares io.ReadAll's regrowing; gitrepo.Snapshot
	// reports none.
	var buf bytes.Buffer
	if info, err := f.Stat(); err == nil && info.Size() > 0 && info.Size() <= d.opts.MaxFileBytes {
		buf.Grow(int(info.Size()) + bytes.MinRead)
	}
	if _, err := buf.ReadFrom(io.LimitReader(f, d.opts.MaxFileBytes+1)); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	if int64(len(data)) > d.opts.MaxFileBytes {
		return nil, errTooLarge
	}
	d.total += int64(len(data))
	if d.total > d.opts.MaxTotalBytes {
		return nil, fmt.Errorf("the repository's files add up to more than %d bytes; raise the total limit", d.opts.MaxTotalBytes)
	}
	return data, nil
}

// readOrProblem reads a file; a file that cannot be read becomes a
// Problem (ok false) unless it exhausts the total budget (err).
func (d *discovery) readOrProblem(name string) (data []byte, ok bool, err error) {
	data, err = d.read(name)
	switch {
	case err == nil:
		return data, true, nil
	case errors.Is(err, errTooLarge):
		d.problem(name, "skipped: larger than %d bytes", d.opts.MaxFileBytes)
	case d.total > d.opts.MaxTotalBytes:
		return nil, false, err
	default:
		d.problem(name, "cannot be read: %v", err)
	}
	return nil, false, nil
}

// loaded is a file read by load.
type loaded struct {
	data []byte
	ok   bool
}

// load reads a file like readOrProblem, once: manifests reuses (and
// forgets) what wrappers read of a chart's files.
func (d *discovery) load(name string) ([]byte, bool, error) {
	if l, seen := d.loaded[name]; seen {
		return l.data, l.ok, nil
	}
	data, ok, err := d.readOrProblem(name)
	if err == nil {
		d.loaded[name] = loaded{data, ok}
	}
	return data, ok, err
}

// wrappers renders the wrapper charts and returns the files that belong
// to a chart's templates/ or charts/ (templates, not manifests).
func (d *discovery) wrappers() (map[string]bool, error) {
	isChart := make(map[string]bool, len(d.charts))
	for _, c := range d.charts {
		isChart[c] = true
	}
	claimed := map[string]bool{}
	for _, dir := range d.charts {
		if isSubchart(dir, isChart) {
			continue
		}
		prefix := dir + "/"
		if dir == "." {
			prefix = ""
		}
		names := d.filesUnder(dir)
		wrapper, readable := false, true
		for _, n := range names {
			rel := strings.TrimPrefix(n, prefix)
			if !strings.HasPrefix(rel, "templates/") && !strings.HasPrefix(rel, "charts/") {
				continue
			}
			claimed[n] = true
			b, ok, err := d.load(n)
			if err != nil {
				return nil, err
			}
			readable = readable && ok
			// Only a chart with a template declaring an Application is
			// rendered: other charts kept in the repository (whose
			// templates may still carry argocd.argoproj.io annotations)
			// may need values or dependencies they lack here.
			wrapper = wrapper || declaresApplication(b)
		}
		if !wrapper {
			continue
		}
		if !readable {
			d.problem(dir, "wrapper chart not rendered: one of its files could not be read")
			continue
		}
		if err := d.renderWrapper(dir, prefix, names); err != nil {
			return nil, err
		}
	}
	return claimed, nil
}

// applicationKind matches a template line declaring an Application.
var applicationKind = regexp.MustCompile(`(?m)^\s*kind:\s*["']?Application["']?\s*(#.*)?$`)

func declaresApplication(template []byte) bool {
	return bytes.Contains(template, []byte(argoGroup)) && applicationKind.Match(template)
}

// isSubchart reports whether dir sits in another chart's charts/ folder;
// it is rendered as part of that chart.
func isSubchart(dir string, isChart map[string]bool) bool {
	for a := path.Dir(dir); ; a = path.Dir(a) {
		if path.Base(a) == "charts" && isChart[path.Dir(a)] {
			return true
		}
		if a == "." {
			return false
		}
	}
}

func (d *discovery) renderWrapper(dir, prefix string, names []string) error {
	files := make([]*archive.BufferedFile, 0, len(names))
	for _, n := range names {
		b, ok, err := d.load(n)
		if err != nil {
			return err
		}
		if !ok {
			d.problem(dir, "wrapper chart not rendered: %s could not be read", n)
			return nil
		}
		files = append(files, &archive.BufferedFile{Name: strings.TrimPrefix(n, prefix), Data: b})
	}
	out, err := renderChart(d.ctx, files, d.opts.RenderTimeout)
	if err != nil {
		if cerr := d.ctx.Err(); cerr != nil {
			return cerr
		}
		d.problem(dir, "Helm could not render the wrapper chart: %v", err)
		return nil
	}
	for _, rel := range slices.Sorted(maps.Keys(out)) {
		file := path.Join(dir, rel)
		content := out[rel]
		if int64(len(content)) > d.opts.MaxFileBytes {
			d.problem(file, "skipped: renders to more than %d bytes", d.opts.MaxFileBytes)
			continue
		}
		if path.Base(rel) == "NOTES.txt" || !strings.Contains(content, argoGroup) {
			continue
		}
		apps, problems := parseManifests(file, []byte(content))
		for i := range problems {
			problems[i].Message = "as rendered by Helm, " + problems[i].Message
		}
		d.problems = append(d.problems, problems...)
		for _, a := range apps {
			a.Wrapper, a.Dir = dir, dir
			d.apps = append(d.apps, a)
		}
	}
	return nil
}

// manifests parses the YAML files that are not chart templates.
func (d *discovery) manifests(claimed map[string]bool) error {
	for _, n := range d.files {
		if claimed[n] || !isYAML(n) {
			continue
		}
		if err := d.ctx.Err(); err != nil {
			return err
		}
		data, ok, err := d.load(n)
		delete(d.loaded, n)
		if err != nil {
			return err
		}
		if !ok || !bytes.Contains(data, []byte(argoGroup)) {
			continue
		}
		apps, problems := parseManifests(n, data)
		d.problems = append(d.problems, problems...)
		for _, a := range apps {
			a.Dir = manifestDir(n)
			d.apps = append(d.apps, a)
		}
	}
	return nil
}

func isYAML(name string) bool {
	return strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")
}

// manifestDir is the folder a plain manifest's application belongs to:
// its own folder, or the parent of a templates/ or apps/ folder.
func manifestDir(file string) string {
	dir := path.Dir(file)
	if b := path.Base(dir); b == "templates" || b == "apps" {
		return path.Dir(dir)
	}
	return dir
}

// finish fills what depends on the whole application (cluster, self
// sources), checks value file references and sorts the results.
func (d *discovery) finish() {
	for i := range d.apps {
		a := &d.apps[i]
		if a.Dir != "." {
			a.Cluster, _, _ = strings.Cut(a.Dir, "/")
		}
		for j := range a.Sources {
			s := &a.Sources[j]
			if d.opts.IsSelf != nil {
				s.Self = d.opts.IsSelf(s.RepoURL)
			} else {
				s.Self = s.Ref != ""
			}
		}
		for _, vf := range a.ValueFiles() {
			switch {
			case vf.Repo == "" && strings.HasPrefix(vf.Raw, "$"):
				ref, _, _ := strings.Cut(vf.Raw[1:], "/")
				d.problem(a.File, "Application %s: value file %q names $%s, but no source has `ref: %s`; add that source or fix the name", a.Name, vf.Raw, ref, ref)
			case vf.Repo == SelfRepo && (vf.Path == ".." || strings.HasPrefix(vf.Path, "../")):
				d.problem(a.File, "Application %s: value file %q is outside the repository", a.Name, vf.Raw)
			}
		}
	}
	seen := map[string]string{}
	for _, a := range d.apps {
		key := a.Namespace + "/" + a.Name
		if first, dup := seen[key]; dup {
			d.problem(a.File, "Application %s is also defined in %s; Argo CD keeps only one of them", key, first)
			continue
		}
		seen[key] = a.File
	}
	slices.SortStableFunc(d.apps, func(a, b Application) int { return cmp.Compare(a.File, b.File) })
	slices.SortStableFunc(d.problems, func(a, b Problem) int { return cmp.Compare(a.File, b.File) })
}

package terragrunt

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/csocbot/csocbot/planner/hcllimit"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

// ConfigFileName is the file that makes a directory a Terragrunt unit.
const ConfigFileName = "terragrunt.hcl"

// Options configure an Evaluator.
type Options struct {
	// Root is the absolute directory the repository is checked out at (or
	// would be). get_repo_root and get_terragrunt_dir return paths below it.
	Root string
	// FS holds the repository's files, named relative to Root. When it also
	// implements Hasher, parsed files are cached by content hash.
	FS fs.FS
	// Env is what get_env sees. It is never the server's own environment: a
	// pull request could read secrets through get_env.
	Env map[string]string
	// UnknownEnv makes get_env of an unset variable without a default an
	// unknown value instead of an error. Change detection sets it: it needs
	// the shape of the configuration, not its values.
	UnknownEnv bool
	// AllowRunCmd enables run_cmd and AllowSopsDecrypt enables
	// sops_decrypt_file. Both run programs on behalf of the repository's
	// content, so both are off unless the operator turns them on.
	AllowRunCmd      bool
	AllowSopsDecrypt bool
	// Sandbox, when set, confines the programs run_cmd runs to reading
	// the repository at Root (planner/sandbox implements it).
	Sandbox Sandbox
	// Command is the terraform command the configuration is evaluated for
	// ("plan", "apply"). It decides whether mock outputs may stand in for
	// dependency outputs and is what get_terraform_command returns. Empty
	// means detection: dependency outputs are unknown values.
	Command string
	// DependencyOutputs returns the outputs of the unit in dir (relative to
	// Root) as an object. found is false when the unit has no state yet.
	// Nil means outputs are never read.
	DependencyOutputs func(ctx context.Context, dir string) (outputs cty.Value, found bool, err error)
	// Cache, when set, is shared between evaluators of the same repository
	// so that files parsed once are not parsed again.
	Cache *ParseCache
	// Timeout bounds the evaluation of one unit (DefaultTimeout when
	// zero): a unit that takes longer fails with an error saying so. The
	// time spent in DependencyOutputs does not count.
	Timeout time.Duration
}

// Hasher is implemented by file systems that know a content hash of every
// file without reading it, such as a git revision.
type Hasher interface {
	BlobHash(name string) (string, bool)
}

// Evaluator evaluates units of one repository revision. It is safe for
// concurrent use.
type Evaluator struct {
	opts  Options
	funcs map[string]function.Function
	cache *ParseCache
	reads sync.Map // repository-relative path -> *readEntry
}

// New returns an Evaluator.
func New(opts Options) (*Evaluator, error) {
	if opts.FS == nil {
		return nil, errors.New("terragrunt: Options.FS is required")
	}
	if !strings.HasPrefix(opts.Root, "/") {
		return nil, fmt.Errorf("terragrunt: Options.Root must be an absolute path, got %q", opts.Root)
	}
	opts.Root = path.Clean(opts.Root)
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	cache := opts.Cache
	if cache == nil {
		cache = NewParseCache()
	}
	return &Evaluator{opts: opts, funcs: evaluatorFunctions(opts.Command), cache: cache}, nil
}

// maxReadDepth bounds read_terragrunt_config nesting.
const maxReadDepth = 16

// EvaluateUnit evaluates the unit in dir (relative to the repository root)
// within the limits of limits.go.
func (e *Evaluator) EvaluateUnit(ctx context.Context, dir string) (*Config, error) {
	dir = cleanRel(dir)
	rec := &recorder{}
	st := &evalState{ev: e, ctx: ctx, rec: rec, origDir: dir, meter: newMeter(ctx, e.opts.Timeout)}
	file, _ := st.configFileIn(dir)
	cfg, err := st.evalFile(file, dir, "config")
	if err != nil {
		return nil, err
	}
	out, err := cfg.finish(file, dir, e.opts.Root)
	if err != nil {
		return nil, err
	}
	out.Reads, out.Probes, out.Env = rec.reads, rec.probes, rec.env
	out.Globs = rec.globs
	out.UsesRunCmd = rec.runCmd
	out.NewerSyntax = rec.newer.uses
	out.Mocked = rec.mocked
	return out, nil
}

// evalState is one EvaluateUnit call: what it recorded and the chain of
// read_terragrunt_config calls in progress.
type evalState struct {
	ev      *Evaluator
	ctx     context.Context
	rec     *recorder
	meter   *meter // shared by the read_terragrunt_config evaluations
	origDir string
	reading []string // read_terragrunt_config chain, for cycle errors
	// usedOriginalDir is set when get_original_terragrunt_dir was called,
	// which makes a read_terragrunt_config result depend on the reader.
	usedOriginalDir bool
	// learningSource is set while get_working_dir evaluates a
	// configuration again to learn its terraform.source; get_working_dir
	// then returns "", as in Terragrunt.
	learningSource bool
}

// recorder collects what an evaluation read and looked at.
type recorder struct {
	mu       sync.Mutex
	reads    []FileRead
	readSeen map[string]bool
	probes   []string
	probed   map[string]bool
	globs    []string // patterns of fileset and mark_glob_as_read
	globbed  map[string]bool
	env      []EnvLookup
	envSeen  map[string]bool
	runCmd   bool // run_cmd was called
	newer    newerRecorder
	mocked   []MockedOutputs
}

func (r *recorder) read(p, why string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.readSeen == nil {
		r.readSeen = map[string]bool{}
	}
	if !r.readSeen[p] {
		r.readSeen[p] = true
		r.reads = append(r.reads, FileRead{Path: p, Why: why})
	}
	r.probeLocked(p)
}

// merge adds what another recorder saw.
func (r *recorder) merge(o *recorder) {
	if o == nil {
		return
	}
	for _, rd := range o.reads {
		r.read(rd.Path, rd.Why)
	}
	for _, p := range o.probes {
		r.probe(p)
	}
	for _, g := range o.globs {
		r.glob(g)
	}
	for _, e := range o.env {
		r.lookupEnv(e.Name, e.Value, e.Set)
	}
	if o.usedRunCmd() {
		r.calledRunCmd()
	}
	r.newer.merge(&o.newer)
	for _, m := range o.mocked {
		r.mock(m)
	}
}

// mock records that a dependency's mock outputs were used, once per
// dependency: included files build the dependency variable again.
func (r *recorder) mock(m MockedOutputs) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !slices.ContainsFunc(r.mocked, func(o MockedOutputs) bool { return o.Name == m.Name && o.ConfigPath == m.ConfigPath }) {
		r.mocked = append(r.mocked, m)
	}
}

func (r *recorder) calledRunCmd() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.runCmd = true
}

func (r *recorder) usedRunCmd() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.runCmd
}

func (r *recorder) probe(p string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.probeLocked(p)
}

func (r *recorder) probeLocked(p string) {
	if r.probed == nil {
		r.probed = map[string]bool{}
	}
	if !r.probed[p] {
		r.probed[p] = true
		r.probes = append(r.probes, p)
	}
}

func (r *recorder) lookupEnv(name, value string, set bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.envSeen == nil {
		r.envSeen = map[string]bool{}
	}
	if !r.envSeen[name] {
		r.envSeen[name] = true
		r.env = append(r.env, EnvLookup{Name: name, Value: value, Set: set})
	}
}

// fileExists reports whether the repository has a file (not a directory)
// at p, recording the probe.
func (st *evalState) fileExists(p string) bool {
	st.rec.probe(p)
	if h, ok := st.ev.opts.FS.(Hasher); ok {
		_, found := h.BlobHash(p)
		return found
	}
	info, err := fs.Stat(st.ev.opts.FS, p)
	return err == nil && !info.IsDir()
}

// readFile reads a repository file, recording why.
func (st *evalState) readFile(p, why string) ([]byte, error) {
	st.rec.read(p, why)
	b, err := fs.ReadFile(st.ev.opts.FS, p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s does not exist", p)
		}
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	if len(b) > maxStringLen {
		return nil, limitErrorf("%s has %d bytes; functions read files of at most %d bytes (1 MiB)", p, len(b), maxStringLen)
	}
	return b, nil
}

// parse returns the parsed body of a repository file, from the cache when
// the same content at the same path was parsed before.
func (st *evalState) parse(p, why string) (*hclsyntax.Body, error) {
	st.rec.read(p, why)
	var hash string
	if h, ok := st.ev.opts.FS.(Hasher); ok {
		var found bool
		if hash, found = h.BlobHash(p); !found {
			return nil, fmt.Errorf("%s does not exist", p)
		}
	}
	if why == "config" {
		// A unit's own file is read by that unit alone, and only again
		// after it changed: caching it would only hold memory. Shared
		// files (includes, read configs) are what the cache is for.
		hash = ""
	}
	body, newer, err := st.ev.cache.parse(p, hash, func() ([]byte, error) {
		b, err := fs.ReadFile(st.ev.opts.FS, p)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s does not exist", p)
		}
		return b, err
	})
	st.rec.newer.addAll(newer)
	return body, err
}

// abs turns a repository-relative path into the absolute path functions
// return.
func (e *Evaluator) abs(rel string) string {
	return path.Join(e.opts.Root, rel)
}

// ParseCache caches parsed files by path and content hash. It is safe for
// concurrent use and may be shared by evaluators of different revisions of
// one repository.
type ParseCache struct {
	mu      sync.Mutex
	entries map[string]*parseEntry
}

type parseEntry struct {
	once  sync.Once
	body  *hclsyntax.Body
	newer []NewerSyntax // found once per parse, not per evaluation
	err   error
}

// NewParseCache returns an empty cache.
func NewParseCache() *ParseCache { return &ParseCache{entries: map[string]*parseEntry{}} }

// Len reports how many files the cache holds.
func (c *ParseCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

func (c *ParseCache) parse(p, hash string, read func() ([]byte, error)) (*hclsyntax.Body, []NewerSyntax, error) {
	if hash == "" {
		body, err := parseBytes(p, read)
		return body, newerSyntaxIn(body), err
	}
	key := p + "\x00" + hash
	c.mu.Lock()
	ent, ok := c.entries[key]
	if !ok {
		ent = &parseEntry{}
		c.entries[key] = ent
	}
	c.mu.Unlock()
	ent.once.Do(func() {
		ent.body, ent.err = parseBytes(p, read)
		ent.newer = newerSyntaxIn(ent.body)
	})
	return ent.body, ent.newer, ent.err
}

func parseBytes(p string, read func() ([]byte, error)) (*hclsyntax.Body, error) {
	b, err := read()
	if err != nil {
		return nil, err
	}
	var body *hclsyntax.Body
	if isJSONFile(p) {
		if body, err = parseJSONConfig(b, p); err != nil {
			return nil, err
		}
	} else {
		if diags := hcllimit.CheckConfig(b, p, hcl.InitialPos); diags.HasErrors() {
			return nil, diagError(diags)
		}
		f, diags := hclsyntax.ParseConfig(b, p, hcl.InitialPos)
		if diags.HasErrors() {
			return nil, diagError(diags)
		}
		body = f.Body.(*hclsyntax.Body)
	}
	instrument(body)
	return body, nil
}

// Sandbox confines a program run on behalf of the repository's content:
// it returns what to start in place of program, and the variables to add
// to its environment, so that program may only read read and write write.
type Sandbox interface {
	Command(program string, read, write []string) (path string, env map[string]string, err error)
}

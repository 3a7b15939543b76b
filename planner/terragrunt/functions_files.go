package terragrunt

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io/fs"
	"path"
	"strings"

	"github.com/bmatcuk/doublestar"
	"github.com/csocbot/csocbot/planner/hcllimit"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// fileHashes are Terraform's file hash functions and how each encodes
// the digest.
var fileHashes = map[string]struct {
	newHash func() hash.Hash
	encode  func([]byte) string
}{
	"filemd5":          {md5.New, hex.EncodeToString},
	"filesha1":         {sha1.New, hex.EncodeToString},
	"filesha256":       {sha256.New, hex.EncodeToString},
	"filesha512":       {sha512.New, hex.EncodeToString},
	"filebase64sha256": {sha256.New, base64.StdEncoding.EncodeToString},
	"filebase64sha512": {sha512.New, base64.StdEncoding.EncodeToString},
}

// fileSystemFunctions are the Terraform functions beyond file, filebase64,
// fileexists and templatefile that read the repository or the
// environment; templates may call them too.
var fileSystemFunctions = []string{
	"fileset", "pathexpand",
	"filemd5", "filesha1", "filesha256", "filesha512", "filebase64sha256", "filebase64sha512",
}

// moreFunction builds the file system functions and the Terragrunt
// functions read_tfvars_file, mark_glob_as_read, get_working_dir and
// get_default_retryable_errors, or reports that name is none of them.
func (fe *fileEval) moreFunction(name string) (function.Function, bool) {
	if h, ok := fileHashes[name]; ok {
		return optionalStrings([]string{"path"}, func(a []string) (cty.Value, error) {
			b, err := fe.readOne(a, name)
			if err != nil {
				return cty.NilVal, err
			}
			sum := h.newHash()
			sum.Write(b)
			return cty.StringVal(h.encode(sum.Sum(nil))), nil
		}, cty.String), true
	}
	switch name {
	case "fileset":
		return stringFunc([]string{"path", "pattern"}, func(a []string) (cty.Value, error) {
			return fe.fileset(a[0], a[1])
		}, cty.Set(cty.String)), true
	case "mark_glob_as_read":
		return stringFunc([]string{"pattern"}, func(a []string) (cty.Value, error) {
			return fe.markGlobAsRead(a[0])
		}, cty.List(cty.String)), true
	case "read_tfvars_file":
		return stringFunc([]string{"path"}, func(a []string) (cty.Value, error) {
			return fe.readTfvarsFile(a[0])
		}, cty.String), true
	case "pathexpand":
		return function.New(&function.Spec{
			Params: []function.Parameter{{Name: "path", Type: cty.String}},
			Type:   function.StaticReturnType(cty.String),
			Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
				return fe.pathExpand(args[0].AsString())
			},
		}), true
	case "get_working_dir":
		return noArgs(fe.workingDir, cty.String), true
	case "get_default_retryable_errors":
		return noArgs(func() (cty.Value, error) {
			return stringsVal(defaultRetryableErrors), nil
		}, cty.List(cty.String)), true
	}
	return function.Function{}, false
}

// defaultRetryableErrors are Terragrunt 0.63's default retryable_errors,
// in its order.
var defaultRetryableErrors = []string{
	"(?s).*Failed to load state.*tcp.*timeout.*",
	"(?s).*Failed to load backend.*TLS handshake timeout.*",
	"(?s).*Creating metric alarm failed.*request to update this alarm is in progress.*",
	"(?s).*Error installing provider.*TLS handshake timeout.*",
	"(?s).*Error configuring the backend.*TLS handshake timeout.*",
	"(?s).*Error installing provider.*tcp.*timeout.*",
	"(?s).*Error installing provider.*tcp.*connection reset by peer.*",
	"NoSuchBucket: The specified bucket does not exist",
	"(?s).*Error creating SSM parameter: TooManyUpdates:.*",
	"(?s).*app.terraform.io.*: 429 Too Many Requests.*",
	"(?s).*ssh_exchange_identification.*Connection closed by remote host.*",
	"(?s).*Client\\.Timeout exceeded while awaiting headers.*",
	"(?s).*Could not download module.*The requested URL returned error: 429.*",
	"(?s).*net/http: TLS.*handshake timeout.*",
}

// glob returns the repository files (not directories) matching a pattern
// that is already repository-relative and clean, in name order. Patterns
// are Terraform's fileset syntax, matched by the doublestar version
// Terraform and Terragrunt 0.63 use: * and ? within a path segment, **
// across segments, [class] with ^ (not !) negating, and {alt,ernatives}.
func (st *evalState) glob(pattern string) ([]string, error) {
	if escapes(pattern) {
		return nil, fmt.Errorf("pattern %s leaves the repository", pattern)
	}
	st.rec.glob(pattern)
	depth := globDepth(pattern)
	var matches []string
	err := fs.WalkDir(st.ev.opts.FS, globRoot(pattern), func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			// A missing folder matches nothing, as in Terraform.
			return nil
		case d.IsDir() && depth > 0 && p != "." && strings.Count(p, "/")+1 >= depth:
			return fs.SkipDir
		case !d.Type().IsRegular():
			return nil
		}
		ok, err := MatchGlob(pattern, p)
		if err != nil {
			return fmt.Errorf("failed to glob pattern (%s): %w", pattern, err)
		}
		if ok {
			matches = append(matches, p)
		}
		return nil
	})
	return matches, err
}

// globRoot is the folder a pattern's matches are all below: its leading
// segments without wildcards.
func globRoot(pattern string) string {
	if i := strings.IndexAny(pattern, "*?[{\\"); i >= 0 {
		pattern = pattern[:i]
	}
	return path.Dir(pattern)
}

// globDepth is how many path segments a pattern's matches have, or 0
// when that varies (** or alternatives): folders that deep hold no match.
func globDepth(pattern string) int {
	if strings.Contains(pattern, "**") || strings.Contains(pattern, "{") {
		return 0
	}
	return strings.Count(pattern, "/") + 1
}

// fileset is Terraform's fileset(path, pattern): the files below path
// matching pattern, relative to path. Like Terraform, the pattern is
// joined to path and cleaned, so it may climb out of path, though not out
// of the repository. Only the names matter, so the files are recorded as
// looked at, not read: a new or deleted match changes the result, an
// edited one does not.
func (fe *fileEval) fileset(dir, pattern string) (cty.Value, error) {
	base, err := fe.resolveFile(dir)
	if err != nil {
		return cty.NilVal, err
	}
	matches, err := fe.st.glob(path.Join(base, pattern))
	if err != nil {
		return cty.NilVal, err
	}
	if len(matches) == 0 {
		return cty.SetValEmpty(cty.String), nil
	}
	names := make([]cty.Value, len(matches))
	for i, m := range matches {
		fe.st.rec.probe(m)
		names[i] = cty.StringVal(relPath(base, m))
	}
	return cty.SetVal(names), nil
}

// markGlobAsRead is mark_glob_as_read(pattern) of Terragrunt releases
// newer than 0.63, which rejects it (see newerFunctions): it records every
// file matching the pattern, relative to the Terragrunt directory, as read
// and returns their absolute paths.
func (fe *fileEval) markGlobAsRead(pattern string) (cty.Value, error) {
	if strings.HasPrefix(pattern, "/") {
		rel, err := fe.resolve(pattern)
		if err != nil {
			return cty.NilVal, err
		}
		pattern = rel
	} else {
		pattern = path.Join(fe.tgDir, pattern)
	}
	matches, err := fe.st.glob(pattern)
	if err != nil {
		return cty.NilVal, err
	}
	paths := make([]string, len(matches))
	for i, m := range matches {
		fe.st.rec.read(m, "mark_glob_as_read")
		paths[i] = fe.st.ev.abs(m)
	}
	return stringsVal(paths), nil
}

// readTfvarsFile is Terragrunt's read_tfvars_file(path), path relative to
// the Terragrunt directory. It returns JSON: a JSON file as it is, once
// checked to be an object, and a .tfvars file's variables encoded as
// Terragrunt encodes them (keys sorted, numbers as float64).
func (fe *fileEval) readTfvarsFile(p string) (cty.Value, error) {
	rel, err := fe.resolve(p)
	if err != nil {
		return cty.NilVal, err
	}
	src, err := fe.st.readFile(rel, "read_tfvars_file")
	if err != nil {
		return cty.NilVal, err
	}
	if strings.HasSuffix(rel, "json") {
		var vars map[string]any
		if err := json.Unmarshal(src, &vars); err != nil {
			return cty.NilVal, fmt.Errorf("could not unmarshal json body of tfvar file %s: %w", rel, err)
		}
		return cty.StringVal(string(src)), nil
	}
	vars, err := tfvarsValues(rel, src, fe.st.meter)
	if err != nil {
		return cty.NilVal, nestedError(err)
	}
	out, err := json.Marshal(vars)
	if err != nil {
		return cty.NilVal, fmt.Errorf("encode the variables of %s as JSON: %w", rel, err)
	}
	return cty.StringVal(string(out)), nil
}

// tfvarsValues evaluates the attributes of a .tfvars file, which may use
// neither variables nor functions, into plain Go values. Its for
// expressions are metered by m.
func tfvarsValues(name string, src []byte, m *meter) (map[string]any, error) {
	if diags := hcllimit.CheckConfig(src, name, hcl.InitialPos); diags.HasErrors() {
		return nil, diagError(diags)
	}
	f, diags := hclsyntax.ParseConfig(src, name, hcl.InitialPos)
	if diags.HasErrors() {
		return nil, diagError(diags)
	}
	instrument(f.Body.(*hclsyntax.Body))
	ctx := &hcl.EvalContext{Functions: map[string]function.Function{meterFunctionName: meterFunction(m)}}
	attrs, diags := f.Body.JustAttributes()
	if diags.HasErrors() {
		return nil, diagError(diags)
	}
	vars := make(map[string]any, len(attrs))
	for name, attr := range attrs {
		v, diags := attr.Expr.Value(ctx)
		if diags.HasErrors() {
			return nil, diagError(diags)
		}
		b, err := ctyjson.Marshal(v, v.Type())
		if err != nil {
			return nil, fmt.Errorf("variable %s: %w", name, err)
		}
		var plain any
		if err := json.Unmarshal(b, &plain); err != nil {
			return nil, fmt.Errorf("variable %s: %w", name, err)
		}
		vars[name] = plain
	}
	return vars, nil
}

// pathExpand is Terraform's pathexpand: a leading ~ becomes the home
// directory. Terragrunt uses the $HOME of the process running it; csocbot
// uses HOME from the variables configured for get_env, never its own: a
// pull request could otherwise print the bot's home (and with it its user
// and layout) into a plan. As with get_env, an unset HOME is unknown
// during detection and an error otherwise.
func (fe *fileEval) pathExpand(p string) (cty.Value, error) {
	if !strings.HasPrefix(p, "~") {
		return cty.StringVal(p), nil
	}
	if len(p) > 1 && p[1] != '/' && p[1] != '\\' {
		return cty.NilVal, errors.New("cannot expand user-specific home dir")
	}
	opts := fe.st.ev.opts
	home, ok := opts.Env["HOME"]
	fe.st.rec.lookupEnv("HOME", home, ok)
	switch {
	case ok:
		return cty.StringVal(path.Join(home, p[1:])), nil
	case opts.UnknownEnv:
		return cty.UnknownVal(cty.String), nil
	}
	return cty.NilVal, errors.New("cannot expand ~: HOME is not among the environment variables csocbot passes to Terragrunt functions; set it under terragrunt.env in the server config")
}

// pathExists reports whether the repository has a file or a directory at
// p, recording the probe.
func (st *evalState) pathExists(p string) bool {
	if st.fileExists(p) {
		return true
	}
	info, err := fs.Stat(st.ev.opts.FS, p)
	return err == nil && info.IsDir()
}

// MatchGlob reports whether the repository-relative path p matches a
// pattern of Config.Globs.
func MatchGlob(pattern, p string) (bool, error) {
	return doublestar.Match(pattern, p)
}

func (r *recorder) glob(pattern string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.globbed == nil {
		r.globbed = map[string]bool{}
	}
	if !r.globbed[pattern] {
		r.globbed[pattern] = true
		r.globs = append(r.globs, pattern)
	}
}

package policy

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/bundle"
	"gopkg.in/yaml.v3"
)

// dataFiles are the names of a folder's data files, merged in this order.
var dataFiles = []string{"data.json", "data.yaml"}

// isBundle reports whether a set's Dir names an OPA bundle.
func isBundle(dir string) bool { return strings.HasSuffix(dir, ".tar.gz") }

type fileInfo struct {
	name  string
	size  int64
	mtime time.Time
	hash  [sha256.Size]byte
}

// fileState lists the files a set is compiled from.
type fileState []fileInfo

const racyWindow = 2 * time.Second

// readState lists the files of a set, rule and data files of a folder or
// its bundle file, with their sizes and mtimes. File contents are hashed
// only when size or mtime differ from prev.
func readState(dir string, prev fileState) (fileState, error) {
	old := map[string]fileInfo{}
	for _, f := range prev {
		old[f.name] = f
	}
	if isBundle(dir) {
		f, err := readInfo(dir, old)
		if err != nil {
			return nil, err
		}
		return fileState{f}, nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var st fileState
	for _, ent := range entries {
		if ent.IsDir() || !isSource(ent.Name()) {
			continue
		}
		f, err := readInfo(filepath.Join(dir, ent.Name()), old)
		if err != nil {
			return nil, err
		}
		st = append(st, f)
	}
	return st, nil
}

func isSource(name string) bool {
	rules := strings.HasSuffix(name, ".rego") && !strings.HasSuffix(name, "_test.rego")
	return rules || slices.Contains(dataFiles, name)
}

func readInfo(p string, old map[string]fileInfo) (fileInfo, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return fileInfo{}, err
	}
	f := fileInfo{name: p, size: fi.Size(), mtime: fi.ModTime()}
	// Files modified in the last seconds are always hashed: on file
	// systems with coarse timestamps a same-size edit may keep the mtime.
	if o, ok := old[p]; ok && o.size == f.size && o.mtime.Equal(f.mtime) && time.Since(f.mtime) > racyWindow {
		f.hash = o.hash
		return f, nil
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return fileInfo{}, err
	}
	f.hash = sha256.Sum256(b)
	return f, nil
}

// equal compares names and contents: a touched but unchanged file does not
// cause a recompile.
func (s fileState) equal(o fileState) bool {
	if len(s) != len(o) {
		return false
	}
	for i := range s {
		if s[i].name != o[i].name || s[i].hash != o[i].hash {
			return false
		}
	}
	return true
}

// sources are what a set is compiled from.
type sources struct {
	modules map[string]*ast.Module // by file name
	// data is the base document rules read under data.
	data map[string]any
}

func readSources(dir string, files fileState) (*sources, error) {
	var src *sources
	var err error
	if isBundle(dir) {
		src, err = readBundle(dir)
	} else {
		src, err = readFolder(files)
	}
	if err != nil {
		return nil, err
	}
	if len(src.modules) == 0 {
		return nil, fmt.Errorf("no .rego files in %s", dir)
	}
	return src, src.checkData()
}

func readFolder(files fileState) (*sources, error) {
	src := &sources{modules: map[string]*ast.Module{}, data: map[string]any{}}
	for _, f := range files {
		b, err := os.ReadFile(f.name)
		if err != nil {
			return nil, err
		}
		if strings.HasSuffix(f.name, ".rego") {
			if err := src.addModule(f.name, b); err != nil {
				return nil, err
			}
			continue
		}
		data, err := parseData(f.name, b)
		if err != nil {
			return nil, err
		}
		if err := mergeData(src.data, data, ""); err != nil {
			return nil, fmt.Errorf("%s: %w", f.name, err)
		}
	}
	return src, nil
}

func (src *sources) addModule(name string, b []byte) error {
	mod, err := ast.ParseModuleWithOpts(name, string(b), ast.ParserOptions{RegoVersion: ast.RegoV1})
	if err != nil {
		return err
	}
	src.modules[name] = mod
	return nil
}

// readBundle reads the rule files (tests left out) and data of an OPA
// bundle. Rule files are named inside the bundle's path, as in
// "gen3.tar.gz/network/open_ingress.rego".
func readBundle(path string) (*sources, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// Bundles are server-side files, like folders; signing them is not
	// part of the set configuration.
	b, err := bundle.NewReader(f).WithRegoVersion(ast.RegoV1).WithSkipBundleVerification(true).Read()
	if err != nil {
		return nil, fmt.Errorf("reading bundle %s: %w", path, err)
	}
	src := &sources{modules: map[string]*ast.Module{}, data: b.Data}
	if src.data == nil {
		src.data = map[string]any{}
	}
	for _, mf := range b.Modules {
		if strings.HasSuffix(mf.Path, "_test.rego") {
			continue
		}
		if err := src.addModule(path+"/"+strings.TrimPrefix(mf.Path, "/"), mf.Raw); err != nil {
			return nil, err
		}
	}
	return src, nil
}

// parseData reads a data file: a JSON or YAML object.
func parseData(name string, b []byte) (map[string]any, error) {
	if strings.HasSuffix(name, ".yaml") {
		var doc any
		if err := yaml.Unmarshal(b, &doc); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if doc == nil {
			return map[string]any{}, nil // an empty file
		}
		var err error
		if b, err = json.Marshal(doc); err != nil {
			return nil, fmt.Errorf("%s is not JSON-like data (keys must be strings): %w", name, err)
		}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: more than one JSON value", name)
	}
	obj, ok := doc.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: the data must be an object, whose keys rules read under data", name)
	}
	return obj, nil
}

// mergeData adds src to dst. Objects merge; any other value may be set
// once.
func mergeData(dst, src map[string]any, at string) error {
	for k, v := range src {
		cur, ok := dst[k]
		if !ok {
			dst[k] = v
			continue
		}
		a, aObj := cur.(map[string]any)
		b, bObj := v.(map[string]any)
		if !aObj || !bObj {
			return fmt.Errorf("%s%s is already set by another data file", at, k)
		}
		if err := mergeData(a, b, at+k+"."); err != nil {
			return err
		}
	}
	return nil
}

// checkData rejects data under a package's first name (such as csocbot):
// base data and rules there would mix.
func (src *sources) checkData() error {
	for name, mod := range src.modules {
		root, ok := mod.Package.Path[1].Value.(ast.String)
		if _, clash := src.data[string(root)]; ok && clash {
			return fmt.Errorf("the set's data has a key %q, which is taken by the rules of %s (package %s)", string(root), name, mod.Package.Path)
		}
	}
	return nil
}

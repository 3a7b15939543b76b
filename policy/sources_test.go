package policy

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const regoAllow = `package csocbot.allow

allowed if input.unit.path in data.csocbot_allow.units

deny contains sprintf("%s is not allowed", [input.unit.path]) if not allowed

warn contains sprintf("limit %v", [data.limits.max]) if data.limits.max
`

// messages are the results' messages, or the error.
func messages(t *testing.T, e *Engine) string {
	t.Helper()
	got, err := e.Evaluate(context.Background(), sampleInput(), PrePlan)
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, r := range got {
		msgs = append(msgs, r.Message)
	}
	return strings.Join(msgs, "; ")
}

func TestSetData(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"no data", nil, "prod/vpc is not allowed"},
		{"data.json", map[string]string{"data.json": `{"csocbot_allow": {"units": ["prod/vpc"]}}`}, ""},
		{"data.yaml", map[string]string{"data.yaml": "csocbot_allow:\n  units:\n    - prod/vpc\n"}, ""},
		{"empty data.yaml", map[string]string{"data.yaml": ""}, "prod/vpc is not allowed"},
		{"both merged", map[string]string{
			"data.json": `{"csocbot_allow": {"units": ["other"]}}`,
			"data.yaml": "csocbot_allow:\n  extra: true\nlimits:\n  max: 2.50\n",
		}, "prod/vpc is not allowed; limit 2.5"},
		{"other files are not data", map[string]string{"other.json": `{"csocbot_allow": {"units": ["prod/vpc"]}}`}, "prod/vpc is not allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]string{"allow.rego": regoAllow}
			for name, src := range tt.files {
				files[name] = src
			}
			e, err := Load(context.Background(), []Set{{Name: "s", Dir: writeSet(t, files)}})
			if err != nil {
				t.Fatal(err)
			}
			if got := messages(t, e); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSetDataErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string // with the file named
	}{
		{"invalid JSON", map[string]string{"data.json": `{"a": }`}, "data.json: invalid character"},
		{"JSON array", map[string]string{"data.json": `[1]`}, "data.json: the data must be an object"},
		{"two JSON values", map[string]string{"data.json": `{} {}`}, "data.json: more than one JSON value"},
		{"invalid YAML", map[string]string{"data.yaml": "a: [1,\n"}, "data.yaml: yaml:"},
		{"YAML scalar", map[string]string{"data.yaml": "just text\n"}, "data.yaml: the data must be an object"},
		{"YAML number keys", map[string]string{"data.yaml": "a:\n  1: x\n"}, "data.yaml is not JSON-like data"},
		{"conflict", map[string]string{"data.json": `{"a": {"b": 1}}`, "data.yaml": "a:\n  b: 2\n"}, "data.yaml: a.b is already set"},
		{"rules' key", map[string]string{"data.json": `{"csocbot": {"allow": {}}}`}, `data has a key "csocbot"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]string{"allow.rego": regoAllow}
			for name, src := range tt.files {
				files[name] = src
			}
			_, err := Load(context.Background(), []Set{{Name: "s", Dir: writeSet(t, files)}})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// writeBundle writes a bundle tarball of files (paths in the bundle).
func writeBundle(t *testing.T, path string, files map[string]string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := gzip.NewWriter(f)
	tw := tar.NewWriter(zw)
	for name, src := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(src))}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(src)); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []interface{ Close() error }{tw, zw, f} {
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestBundleSet(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string
		err   string
	}{
		{"rules only", map[string]string{"/rules/allow.rego": regoAllow}, "prod/vpc is not allowed", ""},
		{"root data", map[string]string{
			"/rules/allow.rego": regoAllow,
			"/data.json":        `{"csocbot_allow": {"units": ["prod/vpc"]}, "limits": {"max": 3}}`,
		}, "limit 3", ""},
		{"data by folder", map[string]string{
			"/rules/allow.rego":        regoAllow,
			"/csocbot_allow/data.yaml": "units: [prod/vpc]\n",
		}, "", ""},
		{"tests left out", map[string]string{
			"/rules/allow.rego":      regoAllow,
			"/rules/allow_test.rego": "package csocbot\ndeny contains \"x\" if true\n",
		}, "prod/vpc is not allowed", ""},
		{"broken rule file", map[string]string{"/rules/allow.rego": "package csocbot.allow\ndeny contains"}, "", "set.tar.gz: 2 errors occurred:\n/rules/allow.rego:2: rego_parse_error"},
		{"no rules", map[string]string{"/data.json": `{}`}, "", "no .rego files in"},
		{"invalid data", map[string]string{"/rules/allow.rego": regoAllow, "/data.json": `{`}, "", "reading bundle"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "set.tar.gz")
			writeBundle(t, path, tt.files)
			e, err := Load(context.Background(), []Set{{Name: "s", Dir: path}})
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := messages(t, e); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("not a bundle", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "set.tar.gz")
		if err := os.WriteFile(path, []byte("text"), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Load(context.Background(), []Set{{Name: "s", Dir: path}})
		if err == nil || !strings.Contains(err.Error(), "reading bundle "+path) {
			t.Errorf("err = %v", err)
		}
	})
}

// TestReloadData checks that edits of data files and bundles are picked up
// like edits of rule files.
func TestReloadData(t *testing.T) {
	ctx := context.Background()
	dir := writeSet(t, map[string]string{"allow.rego": regoAllow})
	bundlePath := filepath.Join(t.TempDir(), "set.tar.gz")
	writeBundle(t, bundlePath, map[string]string{"/allow.rego": regoAllow})
	e, err := Load(ctx, []Set{{Name: "folder", Dir: dir}, {Name: "bundle", Dir: bundlePath}})
	if err != nil {
		t.Fatal(err)
	}
	writeData := func(src string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, "data.json"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		files := map[string]string{"/allow.rego": regoAllow}
		if src != "" {
			files["/data.json"] = src
		}
		writeBundle(t, bundlePath, files)
	}
	steps := []struct {
		data string
		want string // "" for no results
	}{
		{`{"csocbot_allow": {"units": ["prod/vpc"]}}`, ""},
		{`{"csocbot_allow": {"units": []}, "limits": {"max": 1}}`, "prod/vpc is not allowed; limit 1; prod/vpc is not allowed; limit 1"},
		{`{"csocbot_allow": `, "data.json: unexpected EOF; policy set could not be loaded: policy set \"bundle\": reading bundle"},
		{`{"csocbot_allow": {"units": ["prod/vpc"]}}`, ""},
	}
	for i, st := range steps {
		writeData(st.data)
		if got := messages(t, e); st.want == "" && got != "" || !strings.Contains(got, st.want) {
			t.Errorf("step %d: got %q, want %q", i, got, st.want)
		}
	}
}

// TestLibraryAllowlist loads the bundled library with an allowlist, as an
// operator would configure it, and checks the library reads it.
func TestLibraryAllowlist(t *testing.T) {
	rules, err := filepath.Glob("library/*.rego")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{"data.yaml": "csocbot_allow:\n  untrusted_code_units: [terraform/seed]\n"}
	for _, r := range rules {
		b, err := os.ReadFile(r)
		if err != nil {
			t.Fatal(err)
		}
		files[filepath.Base(r)] = string(b)
	}
	in := Input{Unit: Unit{Path: "terraform/seed", Kind: "terraform", Environment: "prod"},
		Config: Config{Provisioners: []Provisioner{{Resource: "terraform_data.seed", Type: "local-exec"}}}}
	for _, dir := range []string{"library", writeSet(t, files)} {
		e, err := Load(context.Background(), []Set{{Name: "gen3", Dir: dir}})
		if err != nil {
			t.Fatal(err)
		}
		got, err := e.Evaluate(context.Background(), in, PrePlan)
		if err != nil {
			t.Fatal(err)
		}
		if want := dir == "library"; hasDeny(got, "untrusted_code", "local-exec") != want {
			t.Errorf("%s: results %v, want an untrusted_code denial: %v", dir, got, want)
		}
	}
}

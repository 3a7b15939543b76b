package values

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"helm.sh/helm/v4/pkg/chart/v2/loader"
)

// gitopsDir is uc-cdis/gen3-gitops, copied into the repository's testdata
// (see its README.md).
var gitopsDir = filepath.Join("..", "..", "testdata", "gen3-gitops")

// sharedGen3 is the shared Gen3 corpus next to the repository; tests over
// all of it skip when it is absent.
var sharedGen3 = filepath.Join("..", "..", "..", "shared", "corpus", "gen3", "uc-cdis")

// gen3Defaults reads the gen3 umbrella chart's values.yaml from the
// repository's testdata copy of gen3-helm (planner/helmrender's) or else
// from the shared corpus, and skips the test when neither is there.
func gen3Defaults(t testing.TB) map[string]any {
	t.Helper()
	p := filepath.Join("..", "..", "testdata", "gen3-helm", "helm", "gen3", "values.yaml")
	if _, err := os.Stat(p); err != nil {
		p = filepath.Join(sharedDir(t, "gen3-helm", "helm"), "gen3", "values.yaml")
	}
	return readValues(t, p)
}

func readValues(t testing.TB, path string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	v, err := Parse(data)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return v
}

// sharedDir returns a folder of the shared corpus or skips the test.
func sharedDir(t testing.TB, elem ...string) string {
	t.Helper()
	dir := filepath.Join(append([]string{sharedGen3}, elem...)...)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("shared Gen3 corpus not available (%v): these tests need /work/shared/corpus/gen3", err)
	}
	return dir
}

// corpusValueFiles lists the values YAML of the gitops copy (value files,
// cluster values, wrapper chart values; not templates) and of every chart of
// the shared gen3-helm copy.
func corpusValueFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(gitopsDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "templates" || d.Name() == ".github") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(p, ".yaml") && !strings.HasSuffix(p, "Chart.yaml") &&
			!strings.HasSuffix(p, "ct.yaml") && !strings.HasSuffix(p, ".pre-commit-config.yaml") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(sharedGen3); err == nil {
		charts, _ := filepath.Glob(filepath.Join(sharedGen3, "gen3-helm", "helm", "*", "values.yaml"))
		files = append(files, charts...)
	}
	slices.Sort(files)
	return files
}

// TestCorpusParse reads every values file of the corpus as Helm does and
// checks that MaskTree leaves no value under a key that looks secret.
func TestCorpusParse(t *testing.T) {
	files := corpusValueFiles(t)
	if len(files) < 10 {
		t.Fatalf("only %d corpus values files found", len(files))
	}
	masked := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		v, err := Parse(data)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		helm, err := loader.LoadValues(bytes.NewReader(data))
		if err != nil || !reflect.DeepEqual(v, map[string]any(helm)) {
			t.Errorf("%s: Parse differs from Helm's loader.LoadValues (%v)", f, err)
		}
		m := MaskTree(v)
		masked += len(Diff(v, m))
		leaves(nil, m, func(path []seg, val any) {
			if exposed(path, val) {
				t.Errorf("%s: %s = %v is not masked", f, renderPath(path), Format(val))
			}
		})
	}
	if masked == 0 {
		t.Error("MaskTree masked nothing in the whole corpus")
	}
}

// secretish and reference are a check independent of IsSecretKey: a leaf
// whose key says secret must be masked unless the path says it is a name, a
// pointer or a setting.
var (
	secretish = regexp.MustCompile(`(?i)(password|passwd|secret|token|api_?key|access_?key|private_?key|credentials|creds|webhook|dsn)$`)
	reference = regexp.MustCompile(`(?i)(externalSecrets?|external-secrets|secretKeyRef|Ref|\.secret|CredsSecret|MasterSecret|FromSecret|secretName|Name|automount\w*|create\w*|use\w*|push\w*|write\w*|\w*_allow_\w*)(\.|\[|$)|\.key$`)
)

func exposed(path []seg, val any) bool {
	switch t := val.(type) {
	case nil, bool:
		return false
	case string:
		if t == "" || t == Redacted {
			return false
		}
	}
	last := ""
	for i := len(path) - 1; i >= 0; i-- {
		if path[i].kind == segKey {
			last = path[i].key
			break
		}
	}
	return secretish.MatchString(last) && !reference.MatchString(renderPath(path))
}

func leaves(path []seg, v any, visit func([]seg, any)) {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			leaves(appendSeg(path, keySeg(k)), x, visit)
		}
	case []any:
		for i, x := range t {
			leaves(appendSeg(path, indexSeg(i)), x, visit)
		}
	default:
		visit(path, v)
	}
}

// TestCorpusNoFalsePositives checks that logos, image tags and secret names
// of the corpus are left alone.
func TestCorpusNoFalsePositives(t *testing.T) {
	portal := readValues(t, filepath.Join(gitopsDir, "unfunded", "diseasedatahub.org", "values", "portal.yaml"))
	if d := Diff(portal, MaskTree(portal)); d != nil {
		t.Errorf("MaskTree changed the portal values: %v", d)
	}
	dir := sharedDir(t, "gen3-helm", "helm")
	chart := readValues(t, filepath.Join(dir, "portal", "values.yaml"))
	if d := Diff(chart, MaskTree(chart)); d != nil {
		t.Errorf("MaskTree changed the portal chart's values (logo, favicon): %v", d)
	}
}

// appValueFiles are the value files of unfunded/diseasedatahub.org in the
// order its Application lists them.
var appValueFiles = []string{"values.yaml", "fence.yaml", "portal.yaml", "guppy.yaml", "hatchery.yaml", "etl.yaml"}

func appLayers(t testing.TB, edit func(name, text string) string) []map[string]any {
	t.Helper()
	var layers []map[string]any
	for _, name := range appValueFiles {
		data, err := os.ReadFile(filepath.Join(gitopsDir, "unfunded", "diseasedatahub.org", "values", name))
		if err != nil {
			t.Fatal(err)
		}
		text := string(data)
		if edit != nil {
			text = edit(name, text)
		}
		v, err := Parse([]byte(text))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		layers = append(layers, v)
	}
	return layers
}

// TestReleaseBump is a release-style pull request: the image tags of
// values.yaml move from 2026.04 to 2026.10. The merged values of the
// application change at exactly those paths, and they read as one group.
func TestReleaseBump(t *testing.T) {
	before := Merge(append([]map[string]any{{}}, appLayers(t, nil)...)...)
	after := Merge(append([]map[string]any{{}}, appLayers(t, func(name, text string) string {
		if name != "values.yaml" {
			return text
		}
		return strings.ReplaceAll(text, "tag: '2026.04'", "tag: '2026.10'")
	})...)...)
	changes := Diff(before, after)
	var paths []string
	var items []AppChange
	for _, c := range changes {
		paths = append(paths, c.Path)
		if c.Op != Changed || c.Before != "2026.04" || c.After != "2026.10" || c.TypeChanged {
			t.Errorf("unexpected change %+v", c)
		}
		items = append(items, AppChange{App: "gen3-niaiddata", Change: c})
	}
	want := []string{"arborist.image.tag", "indexd.image.tag", "manifestservice.image.tag",
		"peregrine.image.tag", "revproxy.image.tag", "sheepdog.image.tag"}
	if !reflect.DeepEqual(paths, want) {
		t.Errorf("changed paths = %q, want %q", paths, want)
	}
	if g := GroupChanges(items); len(g) != 1 || len(g[0].Paths) != len(want) {
		t.Errorf("GroupChanges = %+v, want one group of %d paths", g, len(want))
	}
}

// TestUnquotedTag is the classic mistake: `tag: 2026.10` without quotes is
// the number 2026.1, which Diff calls out.
func TestUnquotedTag(t *testing.T) {
	before := appLayers(t, nil)[1] // fence.yaml
	after := appLayers(t, func(name, text string) string {
		return strings.Replace(text, "tag: '2026.04'", "tag: 2026.10", 1)
	})[1]
	want := []Change{{Path: "fence.image.tag", Op: Changed, Before: "2026.04", After: 2026.1,
		BeforeType: "string", AfterType: "number", TypeChanged: true}}
	if got := Diff(before, after); !reflect.DeepEqual(got, want) {
		t.Errorf("Diff = %+v, want %+v", got, want)
	}
	if got := Format(want[0].After); got != "2026.1" {
		t.Errorf("Format(2026.1) = %s", got)
	}
}

// TestCorpusMergeMatchesHelm merges each application's value files onto the
// gen3 umbrella chart's defaults and compares with Helm's own functions.
func TestCorpusMergeMatchesHelm(t *testing.T) {
	quietHelm(t)
	defaults := gen3Defaults(t)
	apps := map[string][]string{
		"unfunded/diseasedatahub.org": {"values/values.yaml", "values/fence.yaml", "values/portal.yaml", "values/guppy.yaml", "values/hatchery.yaml", "values/etl.yaml"},
		"midrcprod/data.midrc.org":    {"values/values.yaml"},
		"midrcprod/staging.midrc.org": {"values/values.yaml"},
		"ci/default":                  {"values/values.yaml", "values/fence.yaml", "values/ssjdispatcher.yaml"},
	}
	for app, files := range apps {
		layers := []map[string]any{defaults}
		for _, f := range files {
			layers = append(layers, readValues(t, filepath.Join(gitopsDir, app, f)))
		}
		got, helm := Merge(layers...), helmMerge(t, layers...)
		if d := Diff(helm, got); d != nil || !reflect.DeepEqual(got, helm) {
			t.Errorf("%s: Merge differs from Helm: %+v", app, d)
		}
	}
}

package codeowners

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// TestPatterns checks GitHub's pattern semantics, pattern by pattern.
func TestPatterns(t *testing.T) {
	tests := []struct {
		pattern string
		match   []string
		miss    []string
	}{
		{"foo", []string{"foo", "foo/bar", "bar/foo", "bar/foo/baz"}, []string{"foo.txt", "bar/foo.txt", "bar/baz"}},
		{"/foo", []string{"foo", "foo/bar", "foo/bar/baz"}, []string{"fool.txt", "bar/foo", "bar/foo/baz"}},
		{"foo/", []string{"foo/bar", "foo/bar/baz", "bar/foo/baz", "bar/foo/baz/qux"}, []string{"foo", "bar/foo", "bar/baz"}},
		{"/foo/", []string{"foo/bar", "foo/bar/baz"}, []string{"foo", "bar/foo", "bar/foo/baz"}},
		{"foo/bar", []string{"foo/bar", "foo/bar/baz"}, []string{"foo/bart", "baz/foo/bar", "baz/foo/bar/qux"}},
		{"foo/bar/", []string{"foo/bar/baz"}, []string{"foo/bar", "baz/foo/bar/qux"}},
		{"*", []string{"foo", "foo/bar", "bar/foo/baz", "xfoo"}, nil},
		{"f*", []string{"foo", "foo/bar", "bar/foo", "bar/foo/baz"}, []string{"bar/baz", "xfoo"}},
		{"/*", []string{"foo", "bar"}, []string{"foo/bar", "foo/bar/baz"}},
		{"/f*", []string{"foo", "foo/bar/baz"}, []string{"bar/foo", "xfoo"}},
		{"f*/", []string{"foo/bar", "bar/foo/baz"}, []string{"foo", "bar/foo", "xfoo"}},
		{"/*/", []string{"foo/bar", "bar/foo/baz"}, []string{"foo"}},
		{`f\*o`, []string{"f*o"}, []string{"foo"}},
		{"foo/*", []string{"foo/bar"}, []string{"foo", "foo/bar/baz", "bar/foo"}},
		{"docs/*", []string{"docs/getting-started.md"}, []string{"docs/build-app/troubleshooting.md"}},
		{"foo/*.txt", []string{"foo/bar.txt"}, []string{"foo", "foo/bar/baz.txt", "qux/foo/bar.txt"}},
		{"*.js", []string{"app.js", "src/app.js", "a/b/c.js"}, []string{"app.jsx", "js"}},
		{"foo/*/baz", []string{"foo/bar/baz", "foo/bar/baz/qux"}, []string{"foo", "foo/bar", "foo/baz"}},
		{"f?o", []string{"foo"}, []string{"fo", "fooo"}},
		{`f\?o`, []string{"f?o"}, []string{"foo"}},
		{"**/foo/bar", []string{"foo/bar", "qux/foo/bar", "qux/foo/bar/baz"}, []string{"foo/baz/bar", "qux/foo/baz/bar"}},
		{"**/*bar*", []string{"bar", "foo/bar", "foo/rebar", "foo/barrio", "foo/qux/bar"}, []string{"foo/baz"}},
		{"foo/bar/**", []string{"foo/bar/baz", "foo/bar/baz/qux"}, []string{"foo/bar", "qux/foo/bar/baz"}},
		{"foo/**/bar", []string{"foo/bar", "foo/bar/baz", "foo/qux/bar/baz", "foo/qux/quux/bar/baz"}, []string{"qux/foo/bar"}},
		{"foo/**/", []string{"foo/bar", "foo/bar/baz"}, []string{"foo"}},
		{"foo/**/bar/b*", []string{"foo/bar/baz", "foo/qux/bar/baz"}, []string{"foo/bar", "foo/bar/qux", "foo/qux/bar/qux"}},
		{"**", []string{"a", "a/b/c"}, nil},
		{"/", nil, []string{"a", "a/b"}},
		{`my\ file.txt`, []string{"my file.txt", "d/my file.txt"}, []string{"my", "file.txt"}},
	}
	for _, tt := range tests {
		f := Parse([]byte(tt.pattern + " @owner\n"))
		if len(f.Errors) > 0 || len(f.Rules) != 1 {
			t.Fatalf("%q: %+v", tt.pattern, f)
		}
		for _, p := range tt.match {
			if f.Match(p) == nil {
				t.Errorf("%q does not match %q", tt.pattern, p)
			}
		}
		for _, p := range tt.miss {
			if f.Match(p) != nil {
				t.Errorf("%q matches %q", tt.pattern, p)
			}
		}
	}
}

func TestOwners(t *testing.T) {
	f := Parse([]byte(`# Everything is the platform team's,
*                     @csoc/platform   ops@example.com
live/**/prod/         @csoc/infra-admins @alice   # prod needs an admin
live/gen3/prod/README.md
docs/*                docs@example.com
/terraform/modules/   @bob
`))
	if len(f.Errors) > 0 {
		t.Fatalf("errors: %v", f.Errors)
	}
	tests := []struct {
		path string
		want []Owner
	}{
		{"main.tf", []Owner{"csoc/platform"}},
		{"live/gen3/prod/vpc/terragrunt.hcl", []Owner{"csoc/infra-admins", "alice"}},
		{"live/gen3/staging/vpc/terragrunt.hcl", []Owner{"csoc/platform"}},
		// The last match wins, even one with no owner.
		{"live/gen3/prod/README.md", nil},
		// E-mail owners count for nothing.
		{"docs/index.md", nil},
		{"terraform/modules/vpc/main.tf", []Owner{"bob"}},
	}
	for _, tt := range tests {
		if got := f.Owners(tt.path); !slices.Equal(got, tt.want) {
			t.Errorf("Owners(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
	if org, slug, ok := Owner("csoc/infra-admins").Team(); !ok || org != "csoc" || slug != "infra-admins" {
		t.Errorf("Team() = %q %q %v", org, slug, ok)
	}
	if _, _, ok := Owner("alice").Team(); ok {
		t.Error("a user is not a team")
	}
	if s := Owner("csoc/infra-admins").String(); s != "@csoc/infra-admins" {
		t.Errorf("String() = %q", s)
	}
}

func TestParseErrors(t *testing.T) {
	f := Parse([]byte("!secret @alice\n*.[ch] @bob\n*.go alice\n***/x @carol\na//b @dave\n*.md @erin\n"))
	var got []string
	for _, e := range f.Errors {
		got = append(got, e.Error())
	}
	want := []string{
		`line 1: pattern "!secret": GitHub does not support negation (!)`,
		`line 2: pattern "*.[ch]": GitHub does not support character ranges ([ ])`,
		`line 3: owner "alice" is not @user, @org/team or an e-mail address`,
		`line 4: pattern "***/x": three asterisks in a row mean nothing`,
		`line 5: pattern "a//b": empty path segment (//)`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(f.Rules) != 1 || f.Rules[0].Line != 6 {
		t.Errorf("rules %+v, want only line 6's", f.Rules)
	}
	if big := Parse(make([]byte, MaxSize+1)); len(big.Rules) != 0 || len(big.Errors) != 1 {
		t.Errorf("a file over the size limit: %+v", big)
	}
}

func TestLoadTakesTheFirstLocation(t *testing.T) {
	fsys := fstest.MapFS{
		"CODEOWNERS":         {Data: []byte("* @root\n")},
		"docs/CODEOWNERS":    {Data: []byte("* @docs\n")},
		".github/CODEOWNERS": {Data: []byte("* @github\n")},
	}
	f, err := Load(fsys)
	if err != nil || f.Path != ".github/CODEOWNERS" || !slices.Equal(f.Owners("x"), []Owner{"github"}) {
		t.Fatalf("Load = %+v, %v", f, err)
	}
	delete(fsys, ".github/CODEOWNERS")
	if f, _ := Load(fsys); f.Path != "CODEOWNERS" {
		t.Errorf("without .github/CODEOWNERS: %s", f.Path)
	}
	if f, err := Load(fstest.MapFS{}); f != nil || err != nil {
		t.Errorf("no file: %+v, %v", f, err)
	}
}

// TestGen3GitOps reads the CODEOWNERS of uc-cdis/gen3-gitops (see
// testdata/codeowners/README.md).
func TestGen3GitOps(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "testdata", "codeowners", "gen3-gitops.CODEOWNERS"))
	if err != nil {
		t.Fatal(err)
	}
	f := Parse(data)
	if len(f.Errors) > 0 || len(f.Rules) != 36 {
		t.Fatalf("%d rules, errors %v; want 36 and none", len(f.Rules), f.Errors)
	}
	tests := []struct {
		path string
		want []Owner
	}{
		{"midrcprod/data.midrc.org/values/values.yaml", []Owner{"AJuehne-CTDS", "cgmeyer"}},
		{"unfunded/gen3.datacommons.io/values.yaml", []Owner{"trevars", "beamcb", "cgmeyer"}},
		{"covid19prod/chicagoland.pandemicresponsecommons.org/values.yaml", []Owner{"michaelfitzo", "beamcb", "stephenocc"}},
		{"ci/default/values.yaml", []Owner{"haraprasadj", "krishnaa05"}},
		{"unfunded/other.org/values.yaml", nil},
		{"README.md", nil},
	}
	for _, tt := range tests {
		if got := f.Owners(tt.path); !slices.Equal(got, tt.want) {
			t.Errorf("Owners(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
}

// FuzzParse checks that any file parses without panicking, and that every
// path either matches no rule or one of the file's.
func FuzzParse(f *testing.F) {
	f.Add("* @a\nfoo/**/bar/b* @o/t x@y.z # c\n", "foo/q/bar/baz")
	f.Add("/docs/* @a\n!x @b\n[a] @c\n", "docs/a")
	f.Add(`f\*o\ b @a`+"\n/\n**/\n", "f*o b/c")
	f.Fuzz(func(t *testing.T, file, path string) {
		cf := Parse([]byte(file))
		if r := cf.Match(path); r != nil && (r.Line < 1 || !slices.ContainsFunc(cf.Rules, func(x Rule) bool { return x.Line == r.Line })) {
			t.Fatalf("Match(%q) = %+v, not one of the rules", path, r)
		}
	})
}

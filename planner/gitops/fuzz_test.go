package gitops

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParseManifests checks that the manifest parser neither panics nor
// reports an Application without a name, and that document splitting
// loses no byte but the separators.
func FuzzParseManifests(f *testing.F) {
	for _, name := range []string{
		"unfunded/diseasedatahub.org/templates/app.yaml",
		"midrcprod/data.midrc.org/templates/app.yaml",
	} {
		if data, err := os.ReadFile(filepath.Join(corpusDir, filepath.FromSlash(name))); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(multiDoc))
	f.Add([]byte(singleSource))
	f.Add([]byte("---\n---\n--- \n...\n"))
	f.Add([]byte("apiVersion: argoproj.io/v1\nkind: Application\nmetadata: {name: a}\nspec: {sources: 1}\n"))
	f.Add([]byte("apiVersion: argoproj.io/v1\nkind: Application\nmetadata: &a {name: *a}\n"))
	f.Add([]byte("apiVersion: argoproj.io/v1\nkind: Application\nmetadata: {name: a}\nspec: {source: {helm: {valuesObject: [1]}}}\n"))
	f.Add([]byte(strings.Repeat("[", 300) + "argoproj.io"))
	f.Fuzz(func(t *testing.T, data []byte) {
		n, line := 0, 0
		for _, d := range splitDocuments(data) {
			if d.line <= line {
				t.Fatalf("document at line %d after line %d", d.line, line)
			}
			n, line = n+len(d.data), d.line
		}
		for l := range bytes.Lines(data) {
			if isSeparator(l) {
				n += len(l)
			}
		}
		if n != len(data) {
			t.Fatalf("documents and separators hold %d bytes of %d", n, len(data))
		}
		apps, problems := parseManifests("f.yaml", data)
		for _, a := range apps {
			if a.Name == "" || a.File != "f.yaml" {
				t.Errorf("application %+v", a)
			}
			_ = a.ValueFiles()
		}
		for _, p := range problems {
			if p.File != "f.yaml" || p.Message == "" {
				t.Errorf("problem %+v", p)
			}
		}
	})
}

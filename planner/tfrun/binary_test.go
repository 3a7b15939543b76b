package tfrun

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeBinary writes an executable shell script named name in dir that
// answers `version -json` and `version` like the given product would.
func fakeBinary(t *testing.T, dir, name string, flavor Flavor, ver string) string {
	t.Helper()
	var json, text string
	switch flavor {
	case Terraform:
		json = fmt.Sprintf(`{"terraform_version":"%s","platform":"linux_amd64","provider_selections":{},"terraform_outdated":false}`, ver)
		text = "Terraform v" + ver
	case OpenTofu:
		json = fmt.Sprintf(`{"terraform_version":"%s","platform":"linux_amd64","provider_selections":{}}`, ver)
		text = "OpenTofu v" + ver
	}
	script := fmt.Sprintf("#!/bin/sh\nif [ \"$1 $2\" = \"version -json\" ]; then\n  echo '%s'\nelse\n  printf '%s\\non linux_amd64\\n'\nfi\n", json, text)
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestFindConfiguredPath(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage")
	writeFile(t, garbage, "#!/bin/sh\necho hello\n")
	if err := os.Chmod(garbage, 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		path       string
		wantFlavor Flavor
		wantVer    string
		wantErr    string
	}{
		{"terraform 1.5.7", fakeBinary(t, dir, "tf157", Terraform, "1.5.7"), Terraform, "1.5.7", ""},
		{"terraform 1.5.0 pre-release", fakeBinary(t, dir, "tf150b", Terraform, "1.5.0-beta1"), Terraform, "1.5.0-beta1", ""},
		{"terraform 1.4.6 is too old", fakeBinary(t, dir, "tf146", Terraform, "1.4.6"), 0, "", "Terraform at " + dir + "/tf146 is version 1.4.6, older than the minimum 1.5.0"},
		{"tofu 1.8.0", fakeBinary(t, dir, "tofu180", OpenTofu, "1.8.0"), OpenTofu, "1.8.0", ""},
		{"tofu 1.5.0 does not exist", fakeBinary(t, dir, "tofu150", OpenTofu, "1.5.0"), 0, "", "older than the minimum 1.6.0"},
		{"not terraform", garbage, 0, "", "neither terraform nor tofu"},
		{"missing", filepath.Join(dir, "nope"), 0, "", `configured binary "` + dir + `/nope": no terraform or tofu executable found`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Find(t.Context(), FindOptions{Path: tt.path})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Find() error = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if b.Path != tt.path || b.Flavor != tt.wantFlavor || b.Version.Original() != tt.wantVer {
				t.Errorf("Find() = %+v, want %s %s at %s", b, tt.wantFlavor, tt.wantVer, tt.path)
			}
		})
	}
}

func TestFindOnPath(t *testing.T) {
	both, tofuOnly, none := t.TempDir(), t.TempDir(), t.TempDir()
	fakeBinary(t, both, "terraform", Terraform, "1.5.7")
	fakeBinary(t, both, "tofu", OpenTofu, "1.8.0")
	fakeBinary(t, tofuOnly, "tofu", OpenTofu, "1.8.0")
	tests := []struct {
		name       string
		path       string
		wantPath   string
		wantFlavor Flavor
	}{
		{"terraform first", both, filepath.Join(both, "terraform"), Terraform},
		{"tofu when there is no terraform", tofuOnly, filepath.Join(tofuOnly, "tofu"), OpenTofu},
		{"neither", none, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("PATH", tt.path) // the fakes use only /bin/sh and its builtins
			b, err := Find(t.Context(), FindOptions{})
			if tt.wantPath == "" {
				if !errors.Is(err, ErrNotFound) {
					t.Fatalf("Find() error = %v, want ErrNotFound", err)
				}
				for _, hint := range []string{"terraform, then tofu", "go build", "OpenTofu"} {
					if !strings.Contains(err.Error(), hint) {
						t.Errorf("error %q does not mention %q", err, hint)
					}
				}
				t.Logf("error reads: %v", err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if b.Path != tt.wantPath || b.Flavor != tt.wantFlavor {
				t.Errorf("Find() = %+v, want %s at %s", b, tt.wantFlavor, tt.wantPath)
			}
		})
	}
}

func TestFindReal(t *testing.T) {
	b := realBinary(t)
	if b.Flavor != Terraform && b.Flavor != OpenTofu {
		t.Errorf("flavor = %v", b.Flavor)
	}
	if b.Version.Core().LessThan(minTerraform) {
		t.Errorf("version = %s", b.Version)
	}
	t.Logf("found %s %s at %s", b.Flavor, b.Version, b.Path)
}

func TestFindCachesTheVersionCheck(t *testing.T) {
	dir := t.TempDir()
	counter := filepath.Join(dir, "calls")
	script := "#!/bin/sh\necho x >> " + counter + "\nprintf 'Terraform v1.5.7\\non linux_amd64\\n'\n"
	bin := filepath.Join(dir, "terraform")
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	cache := filepath.Join(dir, "cache", "binary.json")
	for range 3 {
		b, err := Find(t.Context(), FindOptions{Path: bin, CacheFile: cache})
		if err != nil {
			t.Fatal(err)
		}
		if b.Flavor != Terraform || b.Version.String() != "1.5.7" {
			t.Fatalf("Find = %+v", b)
		}
	}
	calls, _ := os.ReadFile(counter)
	if n := strings.Count(string(calls), "x"); n != 1 {
		t.Errorf("the binary ran %d times, want once", n)
	}
	// A replaced binary is checked again.
	if err := os.WriteFile(bin, []byte(strings.Replace(script, "1.5.7", "1.6.0", 1)+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := Find(t.Context(), FindOptions{Path: bin, CacheFile: cache})
	if err != nil || b.Version.String() != "1.6.0" {
		t.Errorf("after replacing the binary Find = %+v, %v; want 1.6.0", b, err)
	}
}

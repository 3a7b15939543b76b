package terragrunt

import (
	"regexp"
	"slices"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// Expected values in this file come from Terragrunt 0.63.6 (render-json)
// on the same files.

func TestComputedTerraformFunctions(t *testing.T) {
	runExprCases(t, nil, []exprCase{
		{name: "cidrsubnets", expr: `cidrsubnets("10.1.0.0/16", 4, 4, 8, 4)`, want: `["10.1.0.0/20", "10.1.16.0/20", "10.1.32.0/24", "10.1.48.0/20"]`},
		{
			name: "cidrsubnets ipv6", expr: `cidrsubnets("fd00:fd12:3456:7890::/56", 16, 16, 16, 32)`,
			want: `["fd00:fd12:3456:7800::/72", "fd00:fd12:3456:7800:100::/72", "fd00:fd12:3456:7800:200::/72", "fd00:fd12:3456:7800:300::/88"]`,
		},
		{name: "cidrsubnets of nothing", expr: `cidrsubnets("10.0.0.0/8")`, want: `[]`},
		{name: "transpose", expr: `transpose({a = ["1", "2"], b = ["2", "3"]})`, want: `{"1" = ["a"], "2" = ["a", "b"], "3" = ["b"]}`},
		{name: "transpose repeats", expr: `transpose({a = ["x", "x"], b = ["x"]})`, want: `{x = ["a", "a", "b"]}`},
		{name: "transpose of empty lists", expr: `transpose({a = []})`, want: `{}`},
		{name: "matchkeys", expr: `matchkeys(["i-123", "i-abc", "i-def"], ["us-west", "us-east", "us-east"], ["us-east"])`, want: `["i-abc", "i-def"]`},
		{name: "matchkeys converts keys", expr: `matchkeys(["a", "b"], [1, 2], ["2"])`, want: `["b"]`},
		{name: "matchkeys empty searchset", expr: `matchkeys(["a", "b"], ["x", "y"], [])`, want: `[]`},
		{name: "uuidv5 dns", expr: `uuidv5("dns", "www.terraform.io")`, want: `"a5008fae-b28c-5ba5-96cd-82b4c53552d6"`},
		{name: "uuidv5 url", expr: `uuidv5("url", "https://www.terraform.io/")`, want: `"9db6f67c-dd95-5ea0-aa5b-e70e5c5f7cf5"`},
		{name: "uuidv5 oid", expr: `uuidv5("oid", "1.3.6.1")`, want: `"1447fa61-5277-5fef-a9b3-fbc6e44f4af3"`},
		{name: "uuidv5 x500", expr: `uuidv5("x500", "cn=x")`, want: `"a951fb6d-5aab-5a72-8e2e-9aa8df8d1f8f"`},
		{name: "uuidv5 namespace as UUID", expr: `uuidv5("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "x")`, want: `"05b16a01-46c6-56dd-bd6e-c6dfb4a1427a"`},
		{name: "base64gzip", expr: `base64gzip("test")`, want: `"H4sIAAAAAAAA/ypJLS4BAAAA//8BAAD//wx+f9gEAAAA"`},
		{name: "base64gzip empty", expr: `base64gzip("")`, want: `"H4sIAAAAAAAA/wAAAP//AQAA//8AAAAAAAAAAA=="`},
		{name: "textencodebase64", expr: `textencodebase64("Hello World", "UTF-16LE")`, want: `"SABlAGwAbABvACAAVwBvAHIAbABkAA=="`},
		{name: "textencodebase64 latin-1", expr: `textencodebase64("Héllo", "ISO-8859-1")`, want: `"SOlsbG8="`},
		{name: "textdecodebase64", expr: `textdecodebase64("SABlAGwAbABvACAAVwBvAHIAbABkAA==", "UTF-16LE")`, want: `"Hello World"`},
		{name: "timecmp before", expr: `timecmp("2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z")`, want: `-1`},
		{name: "timecmp same instant", expr: `timecmp("2024-01-01T00:00:00Z", "2024-01-01T01:00:00+01:00")`, want: `0`},
		{name: "timecmp after", expr: `timecmp("2024-01-02T00:00:00Z", "2024-01-01T00:00:00Z")`, want: `1`},
	})
}

func TestComputedTerraformFunctionErrors(t *testing.T) {
	at := unitFile + ":2:7"
	runExprCases(t, nil, []exprCase{
		{name: "cidrsubnets out of space", expr: `cidrsubnets("10.0.0.0/30", 1, 1, 1)`, wantErr: []string{"not enough remaining address space for a subnet with a prefix of 31 bits after 10.0.0.2/31"}},
		{name: "cidrsubnets zero bits", expr: `cidrsubnets("10.0.0.0/8", 0)`, wantErr: []string{`"newbits"`, "must extend prefix by at least one bit"}},
		{name: "cidrsubnets too many bits", expr: `cidrsubnets("10.0.0.0/8", 33)`, wantErr: []string{"may not extend prefix by more than 32 bits"}},
		{name: "cidrsubnets too long", expr: `cidrsubnets("10.0.0.0/30", 3)`, wantErr: []string{"would extend prefix to 33 bits, which is too long for an IPv4 address"}},
		{name: "cidrsubnets fraction", expr: `cidrsubnets("10.0.0.0/8", 1.5)`, wantErr: []string{`"newbits"`}},
		{name: "cidrsubnets bad prefix", expr: `cidrsubnets("10.0.0.0", 8)`, wantErr: []string{"invalid CIDR expression"}},
		{name: "transpose with null", expr: `transpose({a = ["x", null]})`, wantErr: []string{at, `the list under "a" holds a null`}},
		{name: "matchkeys lengths", expr: `matchkeys(["a"], ["x", "y"], ["x"])`, wantErr: []string{at, "length of keys and values should be equal"}},
		{name: "matchkeys types", expr: `matchkeys(["a"], ["x"], [["x"]])`, wantErr: []string{"keys and searchset must be of the same type"}},
		{name: "uuidv5 namespace", expr: `uuidv5("nope", "x")`, wantErr: []string{at, "uuidv5() doesn't support namespace nope", "use dns, url, oid, x500 or a UUID"}},
		{name: "textencodebase64 encoding", expr: `textencodebase64("x", "NOPE")`, wantErr: []string{`"NOPE" is not a supported IANA encoding name or alias`}},
		{name: "textencodebase64 unrepresentable", expr: `textencodebase64("€", "ISO-8859-1")`, wantErr: []string{"cannot be represented in ISO_8859-1:1987"}},
		{name: "textdecodebase64 bad base64", expr: `textdecodebase64("!!", "UTF-8")`, wantErr: []string{"invalid base64 symbol at offset 0"}},
		{name: "textdecodebase64 bad text", expr: `textdecodebase64("/w==", "UTF-8")`, wantErr: []string{"contains symbols that are not defined for UTF-8"}},
		{name: "timecmp first", expr: `timecmp("x", "2024-01-01T00:00:00Z")`, wantErr: []string{at, `could not parse first parameter "x": not a valid RFC3339 timestamp`}},
		{name: "timecmp second", expr: `timecmp("2024-01-01T00:00:00Z", "2024-01-01")`, wantErr: []string{at, `could not parse second parameter "2024-01-01"`}},
	})
}

func TestImpureFunctionsAreUnknownDuringDetection(t *testing.T) {
	got, _, err := evalLocal(t, nil, `{ uuid = uuid(), timestamp = timestamp(), bcrypt = bcrypt("x"), derived = "id-${uuid()}" }`, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"uuid", "timestamp", "bcrypt", "derived"} {
		if v := get(t, got, name); v.IsKnown() {
			t.Errorf("%s = %s during detection, want unknown", name, asJSON(t, v))
		}
	}
}

func TestImpureFunctionsWhenPlanning(t *testing.T) {
	got, _, err := evalLocal(t, nil, `{ uuid = uuid(), timestamp = timestamp(), bcrypt = bcrypt("secret", 4) }`, Options{Command: "plan"})
	if err != nil {
		t.Fatal(err)
	}
	if id := getString(t, got, "uuid"); !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`).MatchString(id) {
		t.Errorf("uuid() = %q, not a UUID", id)
	}
	if ts, err := time.Parse(time.RFC3339, getString(t, got, "timestamp")); err != nil || time.Since(ts) > time.Minute {
		t.Errorf("timestamp() = %s (%v), not the current time", ts, err)
	}
	hash := getString(t, got, "bcrypt")
	if err := bcrypt.CompareHashAndPassword([]byte(hash), []byte("secret")); err != nil {
		t.Errorf("bcrypt() = %q does not verify: %v", hash, err)
	}
	if cost, _ := bcrypt.Cost([]byte(hash)); cost != 4 {
		t.Errorf("bcrypt cost = %d, want 4", cost)
	}
}

// fileFixture is the unit folder of the file function tests.
var fileFixture = map[string]string{
	unitDir + "/a.txt":            "a\n",
	unitDir + "/b.json":           "b\n",
	unitDir + "/.dot.txt":         "x\n",
	unitDir + "/.hidden/h.txt":    "h\n",
	unitDir + "/sub/c.txt":        "c\n",
	unitDir + "/sub/deep/d.txt":   "d\n",
	unitDir + "/vars.tfvars":      "a = 1.5\nb = 12345678901234567890\nc = \"<&>\"\nd = null\ne = true\nf = { z = 1, a = [1, \"x\"] }\ng = <<EOT\nhi\nEOT\nh = \"${1+1}\"\n",
	unitDir + "/vars.tfvars.json": `{"x": 1, "y": "s"}` + "\n",
	unitDir + "/array.json":       "[1]",
	unitDir + "/bad.tfvars":       "a = 1\nb = var.x\n",
	"live/prod/other.txt":         "o\n",
}

func TestFileHashFunctions(t *testing.T) {
	runExprCases(t, fileFixture, []exprCase{
		{name: "filemd5", expr: `filemd5("a.txt")`, want: `"60b725f10c9c85c70d97880dfe8191b3"`},
		{name: "filesha1", expr: `filesha1("a.txt")`, want: `"3f786850e387550fdab836ed7e6dc881de23001b"`},
		{name: "filesha256", expr: `filesha256("a.txt")`, want: `"87428fc522803d31065e7bce3cf03fe475096631e5e07bbd7a0fde60c4cf25c7"`},
		{
			name: "filesha512", expr: `filesha512("a.txt")`,
			want: `"162b0b32f02482d5aca0a7c93dd03ceac3acd7e410a5f18f3fb990fc958ae0df6f32233b91831eaf99ca581a8c4ddf9c8ba315ac482db6d4ea01cc7884a635be"`,
		},
		{name: "filebase64sha256", expr: `filebase64sha256("a.txt")`, want: `"h0KPxSKAPTEGXnvOPPA/5HUJZjHl4Hu9eg/eYMTPJcc="`},
		{name: "filebase64sha512", expr: `filebase64sha512("a.txt")`, want: `"FisLMvAkgtWsoKfJPdA86sOs1+QQpfGPP7mQ/JWK4N9vMiM7kYMer5nKWBqMTd+ci6MVrEgtttTqAcx4hKY1vg=="`},
		{name: "absolute path", expr: `filemd5("/repo/live/prod/app/a.txt")`, want: `"60b725f10c9c85c70d97880dfe8191b3"`},
		{name: "missing", expr: `filesha256("missing.txt")`, wantErr: []string{`"filesha256"`, "live/prod/app/missing.txt does not exist"}},
		{name: "outside the repository", expr: `filemd5("/etc/passwd")`, wantErr: []string{"/etc/passwd is outside the repository (/repo)"}},
		{name: "leaving the repository", expr: `filemd5("../../../../etc/passwd")`, wantErr: []string{"leaves the repository"}},
	})
}

func TestFileHashFunctionsRecordReads(t *testing.T) {
	for name := range fileHashes {
		t.Run(name, func(t *testing.T) {
			_, cfg, err := evalLocal(t, fileFixture, name+`("a.txt")`, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(cfg.Reads, FileRead{Path: unitDir + "/a.txt", Why: name}) {
				t.Errorf("Reads %q lack a.txt", readPaths(cfg))
			}
		})
	}
}

func TestFileset(t *testing.T) {
	runExprCases(t, fileFixture, []exprCase{
		{name: "star matches dot files", expr: `fileset(".", "*.txt")`, want: `[".dot.txt", "a.txt"]`},
		{
			name: "doublestar", expr: `fileset(".", "**")`,
			want: `[".dot.txt", ".hidden/h.txt", "a.txt", "array.json", "b.json", "bad.tfvars", "sub/c.txt", "sub/deep/d.txt", "terragrunt.hcl", "vars.tfvars", "vars.tfvars.json"]`,
		},
		{name: "doublestar and extension", expr: `fileset(".", "**/*.txt")`, want: `[".dot.txt", ".hidden/h.txt", "a.txt", "sub/c.txt", "sub/deep/d.txt"]`},
		{name: "below a folder", expr: `fileset("sub", "*")`, want: `["c.txt"]`},
		{name: "absolute path and alternatives", expr: `fileset(get_terragrunt_dir(), "{a,b}.*")`, want: `["a.txt", "b.json"]`},
		{name: "doublestar in the middle", expr: `fileset(".", "sub/**/d.txt")`, want: `["sub/deep/d.txt"]`},
		{name: "trailing doublestar", expr: `fileset(".", "sub/**")`, want: `["sub/c.txt", "sub/deep/d.txt"]`},
		{name: "leading doublestar", expr: `fileset(".", "**/deep/*")`, want: `["sub/deep/d.txt"]`},
		{name: "alternative folders", expr: `fileset(".", "{sub,.hidden}/*.txt")`, want: `[".hidden/h.txt", "sub/c.txt"]`},
		{name: "question mark", expr: `fileset(".", "s?b/*")`, want: `["sub/c.txt"]`},
		{name: "class", expr: `fileset(".", "[ab].*")`, want: `["a.txt", "b.json"]`},
		{name: "bang is no negation", expr: `fileset(".", "[!a]*.txt")`, want: `["a.txt"]`},
		{name: "caret negates", expr: `fileset(".", "[^a]*.txt")`, want: `[".dot.txt"]`},
		{name: "folders are not files", expr: `fileset(".", "sub")`, want: `[]`},
		{name: "empty pattern", expr: `fileset(".", "")`, want: `[]`},
		{name: "missing folder", expr: `fileset("nonexist", "*")`, want: `[]`},
		{name: "dot slash", expr: `fileset(".", "./a.txt")`, want: `["a.txt"]`},
		{name: "pattern climbing out of path", expr: `fileset("sub", "../*.txt")`, want: `["../.dot.txt", "../a.txt"]`},
		{name: "path above the unit", expr: `fileset("..", "*.txt")`, want: `["other.txt"]`},
		{name: "pattern leaving the repository", expr: `fileset(".", "../../../../*")`, wantErr: []string{"pattern ../* leaves the repository"}},
		{name: "path outside the repository", expr: `fileset("/etc", "*")`, wantErr: []string{"/etc is outside the repository (/repo)"}},
		{name: "bad pattern", expr: `fileset(".", "[")`, wantErr: []string{`"fileset"`, "failed to glob pattern (live/prod/app/[): syntax error in pattern"}},
	})
}

func TestFilesetRecordsMatchesAsProbes(t *testing.T) {
	_, cfg, err := evalLocal(t, fileFixture, `fileset("sub", "**")`, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{unitDir + "/sub/c.txt", unitDir + "/sub/deep/d.txt"} {
		if !slices.Contains(cfg.Probes, p) {
			t.Errorf("Probes %q lack %s", cfg.Probes, p)
		}
	}
	if len(cfg.Reads) != 1 {
		t.Errorf("fileset read files: %q", readPaths(cfg))
	}
	if want := []string{unitDir + "/sub/**"}; !slices.Equal(cfg.Globs, want) {
		t.Errorf("Globs = %q, want %q", cfg.Globs, want)
	}
}

func TestGlobsAreRecordedWithoutMatches(t *testing.T) {
	_, cfg, err := evalLocal(t, fileFixture, `[fileset(".", "*.yaml"), mark_glob_as_read("conf/*.yaml"), fileset("sub", "*.yaml")]`, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{unitDir + "/*.yaml", unitDir + "/conf/*.yaml", unitDir + "/sub/*.yaml"}
	if !slices.Equal(cfg.Globs, want) {
		t.Errorf("Globs = %q, want %q", cfg.Globs, want)
	}
	for _, p := range []string{unitDir + "/new.yaml", unitDir + "/conf/x.yaml"} {
		if !slices.ContainsFunc(cfg.Globs, func(g string) bool { ok, _ := MatchGlob(g, p); return ok }) {
			t.Errorf("no glob matches a new file %s", p)
		}
	}
}

func TestFileFunctionsInTemplates(t *testing.T) {
	files := map[string]string{
		unitDir + "/t.tftpl": `${filemd5("a.txt")} ${join(",", fileset(".", "*.txt"))}`,
		unitDir + "/a.txt":   "a\n",
	}
	got, cfg, err := evalLocal(t, files, `templatefile("t.tftpl", {})`, Options{})
	if err != nil {
		t.Fatal(err)
	}
	wantValue(t, got, `"60b725f10c9c85c70d97880dfe8191b3 a.txt"`)
	if !slices.Contains(cfg.Reads, FileRead{Path: unitDir + "/a.txt", Why: "filemd5"}) {
		t.Errorf("Reads %q lack a.txt", readPaths(cfg))
	}
}

func TestFilesetInIncludedFileIsRelativeToIt(t *testing.T) {
	cfg := mustEvaluate(t, map[string]string{
		"live/root.hcl":     `inputs = { files = fileset(".", "*.yaml") }`,
		"live/common.yaml":  "",
		unitDir + "/x.yaml": "",
		unitFile:            `include "root" { path = find_in_parent_folders("root.hcl") }`,
	}, unitDir, Options{})
	wantValue(t, cfg.Inputs, `{files = ["common.yaml"]}`)
}

func TestReadTfvarsFile(t *testing.T) {
	runExprCases(t, fileFixture, []exprCase{
		{
			name: "tfvars as Terragrunt encodes it", expr: `read_tfvars_file("vars.tfvars")`,
			want: `"{\"a\":1.5,\"b\":12345678901234567000,\"c\":\"\\u003c\\u0026\\u003e\",\"d\":null,\"e\":true,\"f\":{\"a\":[1,\"x\"],\"z\":1},\"g\":\"hi\\n\",\"h\":2}"`,
		},
		{name: "json as it is", expr: `read_tfvars_file("vars.tfvars.json")`, want: `"{\"x\": 1, \"y\": \"s\"}\n"`},
		{name: "decoded", expr: `jsondecode(read_tfvars_file("vars.tfvars")).f.a`, want: `[1, "x"]`},
		{name: "absolute", expr: `jsondecode(read_tfvars_file("${get_terragrunt_dir()}/vars.tfvars.json")).y`, want: `"s"`},
		{name: "missing", expr: `read_tfvars_file("nope.tfvars")`, wantErr: []string{`"read_tfvars_file"`, "live/prod/app/nope.tfvars does not exist"}},
		{name: "json not an object", expr: `read_tfvars_file("array.json")`, wantErr: []string{"could not unmarshal json body of tfvar file live/prod/app/array.json"}},
		{name: "variables in tfvars", expr: `read_tfvars_file("bad.tfvars")`, wantErr: []string{"live/prod/app/bad.tfvars:2:5", "Variables not allowed"}},
		{name: "outside the repository", expr: `read_tfvars_file("/etc/x.tfvars")`, wantErr: []string{"outside the repository"}},
	})
}

func TestReadTfvarsFileInIncludedFileIsRelativeToTheUnit(t *testing.T) {
	cfg := mustEvaluate(t, map[string]string{
		"live/root.hcl":          `inputs = jsondecode(read_tfvars_file("unit.tfvars"))`,
		unitDir + "/unit.tfvars": `name = "app"`,
		unitFile:                 `include "root" { path = find_in_parent_folders("root.hcl") }`,
	}, unitDir, Options{})
	wantValue(t, cfg.Inputs, `{name = "app"}`)
	if !slices.Contains(cfg.Reads, FileRead{Path: unitDir + "/unit.tfvars", Why: "read_tfvars_file"}) {
		t.Errorf("Reads %q lack the tfvars file", readPaths(cfg))
	}
}

func TestMarkGlobAsRead(t *testing.T) {
	got, cfg, err := evalLocal(t, fileFixture, `mark_glob_as_read("sub/**/*.txt")`, Options{})
	if err != nil {
		t.Fatal(err)
	}
	wantValue(t, got, `["/repo/live/prod/app/sub/c.txt", "/repo/live/prod/app/sub/deep/d.txt"]`)
	for _, p := range []string{unitDir + "/sub/c.txt", unitDir + "/sub/deep/d.txt"} {
		if !slices.Contains(cfg.Reads, FileRead{Path: p, Why: "mark_glob_as_read"}) {
			t.Errorf("Reads %q lack %s", readPaths(cfg), p)
		}
	}
	runExprCases(t, fileFixture, []exprCase{
		{name: "absolute", expr: `mark_glob_as_read("${get_repo_root()}/live/prod/*.txt")`, want: `["/repo/live/prod/other.txt"]`},
		{name: "no match", expr: `mark_glob_as_read("*.none")`, want: `[]`},
		{name: "leaving the repository", expr: `mark_glob_as_read("../../../../*")`, wantErr: []string{"leaves the repository"}},
		{name: "outside the repository", expr: `mark_glob_as_read("/etc/*")`, wantErr: []string{"outside the repository"}},
	})
}

func TestPathexpand(t *testing.T) {
	home := Options{Env: map[string]string{"HOME": "/home/ci"}}
	runExprCases(t, nil, []exprCase{
		{name: "home from the configured environment", opts: home, expr: `pathexpand("~/.ssh/id_rsa")`, want: `"/home/ci/.ssh/id_rsa"`},
		{name: "home alone", opts: home, expr: `pathexpand("~")`, want: `"/home/ci"`},
		{name: "home with a slash", opts: home, expr: `pathexpand("~/")`, want: `"/home/ci"`},
		{name: "no tilde", expr: `pathexpand("/etc/x")`, want: `"/etc/x"`},
		{name: "tilde inside", expr: `pathexpand("a/~")`, want: `"a/~"`},
		{name: "empty", expr: `pathexpand("")`, want: `""`},
		{name: "another user", opts: home, expr: `pathexpand("~other/x")`, wantErr: []string{"cannot expand user-specific home dir"}},
		{name: "no HOME", expr: `pathexpand("~/x")`, wantErr: []string{"HOME is not among the environment variables", "terragrunt.env"}},
	})
}

func TestPathexpandNeverUsesTheServersHome(t *testing.T) {
	t.Setenv("HOME", "/secret/home")
	got, cfg, err := evalLocal(t, nil, `pathexpand("~/x")`, Options{UnknownEnv: true})
	if err != nil {
		t.Fatal(err)
	}
	if got.IsKnown() {
		t.Errorf("pathexpand without a configured HOME = %s during detection, want unknown", asJSON(t, got))
	}
	if !slices.Contains(cfg.Env, EnvLookup{Name: "HOME"}) {
		t.Errorf("Env %v lacks the HOME lookup", cfg.Env)
	}
}

func TestGetDefaultRetryableErrors(t *testing.T) {
	got, _, err := evalLocal(t, nil, `get_default_retryable_errors()`, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if n := got.LengthInt(); n != 14 {
		t.Errorf("%d errors, want Terragrunt 0.63's 14", n)
	}
	wantValue(t, get(t, got, "0"), `"(?s).*Failed to load state.*tcp.*timeout.*"`)
	wantValue(t, get(t, got, "11"), `"(?s).*Client\\.Timeout exceeded while awaiting headers.*"`)
}

func TestFindInParentFoldersFindsFolders(t *testing.T) {
	files := map[string]string{"modules/vpc/main.tf": "", "live/_envcommon/app.hcl": ""}
	runExprCases(t, files, []exprCase{
		{name: "folder", expr: `find_in_parent_folders("modules")`, want: `"/repo/modules"`},
		{name: "nested folder", expr: `find_in_parent_folders("modules/vpc")`, want: `"/repo/modules/vpc"`},
		{name: "folder nearer than a file", expr: `find_in_parent_folders("_envcommon")`, want: `"/repo/live/_envcommon"`},
		{name: "the parents themselves", expr: `find_in_parent_folders("live")`, want: `"/repo/live"`},
	})
}

func TestGetWorkingDir(t *testing.T) {
	// The hashes name /repo/live/prod/app and the sources' addresses as
	// Terragrunt does; TestDownloadFolderNames checks the naming itself
	// against Terragrunt.
	const cache = "/repo/live/prod/app/.terragrunt-cache/JsO_8kuQl-Ekm-vI4JfdBuZNNmU/"
	tests := []struct {
		name, unit, want string
		wantErr          []string
	}{
		{name: "no source", unit: `locals { wd = get_working_dir() }`, want: "/repo/live/prod/app"},
		{name: "local source with a subdirectory", unit: `terraform { source = "../../../modules//vpc" }`, want: cache + "imBM014qq37CwrkYyYb5XDgiJm0/vpc"},
		{name: "local source", unit: `terraform { source = "${get_repo_root()}/modules/vpc" }`, want: cache + "7iZn3VZ6M5OZyLz8AjqDve370II"},
		{name: "git source", unit: `terraform { source = "github.com/org/repo//modules/x?ref=v1" }`, want: cache + "Iy3_2Juljgif54neOvVOEJhrqYA/modules/x"},
		{name: "source from a local", unit: "locals { src = \"../../../modules//vpc\" }\nterraform { source = local.src }", want: cache + "imBM014qq37CwrkYyYb5XDgiJm0/vpc"},
		{name: "bitbucket shorthand", unit: `terraform { source = "bitbucket.org/org/repo" }`, wantErr: []string{"get_working_dir", "write the source as git::https://bitbucket.org/org/repo.git"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := evaluate(t, map[string]string{
				unitFile:              tc.unit + "\ninputs = { wd = get_working_dir() }\n",
				"modules/vpc/main.tf": "",
			}, unitDir, Options{})
			if tc.wantErr != nil {
				wantError(t, err, tc.wantErr...)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := getString(t, cfg.Inputs, "wd"); got != tc.want {
				t.Errorf("get_working_dir() = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestGetWorkingDirInIncludedAndReadFiles(t *testing.T) {
	cfg := mustEvaluate(t, map[string]string{
		"live/root.hcl":   "terraform { source = \"${get_repo_root()}/modules/vpc\" }\ninputs = { included = get_working_dir() }",
		"live/common.hcl": `locals { wd = get_working_dir() }`,
		unitFile: `
include "root" { path = find_in_parent_folders("root.hcl") }
inputs = { read = read_terragrunt_config("../../common.hcl").locals.wd }`,
	}, unitDir, Options{})
	// An included file names the unit's folder; a read file is evaluated as
	// a configuration of its own folder, without a source.
	wantValue(t, cfg.Inputs, `{included = "/repo/live/prod/app/.terragrunt-cache/JsO_8kuQl-Ekm-vI4JfdBuZNNmU/7iZn3VZ6M5OZyLz8AjqDve370II", read = "/repo/live"}`)
}

// TestDownloadFolderNames checks the folder names get_working_dir builds
// against those Terragrunt 0.63.6 built for the same sources, for a unit
// at /tmp/tgf/w/unit.
func TestDownloadFolderNames(t *testing.T) {
	if got := base64SHA1("/tmp/tgf/w/unit"); got != "ZXwcgcUoOQZC_7rxjq4xxHc5MHg" {
		t.Errorf("unit folder hash = %s", got)
	}
	for source, want := range map[string]string{
		"git::https://github.com/org/repo.git//modules/x?ref=v1": "Iy3_2Juljgif54neOvVOEJhrqYA",
		"github.com/org/repo//modules/x?ref=v1":                  "Iy3_2Juljgif54neOvVOEJhrqYA",
		"git::git@github.com:org/repo.git//x?ref=v1":             "UObrOmEWW67_h4sR8Mrzdr4oFY8",
		"tfr:///terraform-aws-modules/vpc/aws?version=5.0.0":     "ThyYwttwki6d6AS3aD5OwoyqIWA",
		"https://example.com/m.zip//sub":                         "3E6zHjiT1slHaOeEQSnxT5n68oM",
	} {
		src, err := parseSource(source, "unit", "/tmp/tgf/w")
		if err != nil {
			t.Fatal(err)
		}
		addr, _, err := (&Evaluator{}).downloadAddress(src)
		if err != nil {
			t.Fatal(err)
		}
		if got := base64SHA1(addr); got != want {
			t.Errorf("%s: folder %s (from %s), want %s", source, got, addr, want)
		}
	}
}

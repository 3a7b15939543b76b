package tfconfig

import (
	"io/fs"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
)

// FuzzRead reads a module of a .tf file, a .tf.json file and a local
// module, checking that Read, ReadModuleCalls and ReadTree neither panic
// nor loop and that what they report is well formed.
func FuzzRead(f *testing.F) {
	f.Add(mainTF, mainTFJSON, `module "up" { source = "../" }`)
	f.Add(`module "m" { source = "./m" }`, `{"module": {"n": {"source": "./m"}}}`, `resource "terraform_data" "x" { provisioner "local-exec" { command = "true" } }`)
	f.Add("resource \"aws_instance\" \"web\" {\n  provider = aws.west\n  provisioner \"remote-exec\" {}\n}\n", `{"data": {"external": {"x": {"provider": "external.a"}}}}`, `variable "v" {}`)
	f.Add(`resource "x" {`, `{"resource": [1]}`, `check "c" { data "http" "h" {} }`)
	f.Add(`removed { from = module.a["k"].aws_instance.b[0] provisioner "file" {} }`, `{"\u006dodule": {"m": {"source": "$${x}"}}}`, `module "m" { source = "../../.." }`)
	f.Add(`terraform { required_providers { aws = {} } }`, `{"terraform": [{"required_providers": [{"aws": {}}]}]}`, `provider "aws" { alias = "a" }`)
	f.Add("module \"m\" { source = "+strings.Repeat("(", 200)+"1"+strings.Repeat(")", 200)+" }", `{"module": {"m": {"source": `+strings.Repeat("[", 200)+strings.Repeat("]", 200)+`}}}`, strings.Repeat("!", 200)+"module")
	f.Fuzz(func(t *testing.T, tf, tfJSON, sub string) {
		fsys := fstest.MapFS{
			"main.tf":      {Data: []byte(tf)},
			"main.tf.json": {Data: []byte(tfJSON)},
			"m/main.tf":    {Data: []byte(sub)},
		}
		m, err := Read(fsys, ".")
		if m == nil {
			t.Fatalf("Read = nil, %v", err)
		}
		checkModule(t, m)
		calls, callsErr := ReadModuleCalls(fsys, ".")
		if err == nil {
			if callsErr != nil {
				t.Fatalf("Read parsed the module but ReadModuleCalls fails: %v", callsErr)
			}
			if !reflect.DeepEqual(calls, m.ModuleCalls) {
				t.Fatalf("ReadModuleCalls = %+v, Read has %+v", calls, m.ModuleCalls)
			}
		}
		insts, _ := ReadTree(fsys, ".")
		if len(insts) == 0 || insts[0].Module.Dir != "." {
			t.Fatalf("ReadTree does not start with the root module: %+v", insts)
		}
		for _, in := range insts {
			checkModule(t, in.Module)
		}
	})
}

func checkModule(t *testing.T, m *Module) {
	t.Helper()
	checkPos := func(what, file string, line int) {
		if !fs.ValidPath(file) || !strings.HasPrefix(file, strings.TrimPrefix(m.Dir+"/", "./")) || line < 1 {
			t.Fatalf("%s at %s:%d in module %s", what, file, line, m.Dir)
		}
	}
	for _, c := range m.ModuleCalls {
		checkPos("module "+c.Name, c.File, c.Line)
		if c.Dir != "" && (!fs.ValidPath(c.Dir) || c.Source == "") {
			t.Fatalf("module %s: source %q, dir %q", c.Name, c.Source, c.Dir)
		}
	}
	for prefix, blocks := range map[string][]Block{"": m.Resources, "data.": m.DataSources, "ephemeral.": m.Ephemeral} {
		for _, b := range blocks {
			checkPos(b.Address, b.File, b.Line)
			if b.Address != prefix+b.Type+"."+b.Name || b.Provider == "" && b.Type != "" && !strings.HasPrefix(b.Type, "_") {
				t.Fatalf("block %+v", b)
			}
		}
	}
	for _, p := range m.Provisioners {
		checkPos("provisioner of "+p.Resource, p.File, p.Line)
	}
}

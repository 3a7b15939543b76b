package policy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"
)

// fullInput is the example of INPUT.md.
func fullInput(t *testing.T) Input {
	t.Helper()
	var plan tfjson.Plan
	planJSON := `{"format_version":"1.2","terraform_version":"1.9.8","resource_changes":[
		{"address":"aws_db_instance.indexd","mode":"managed","type":"aws_db_instance","name":"indexd",
		 "provider_name":"registry.terraform.io/hashicorp/aws",
		 "change":{"actions":["delete","create"],"before":{"password":"a","skip_final_snapshot":false},
		 "after":{"password":"b","skip_final_snapshot":true},"after_unknown":{"id":true},
		 "before_sensitive":{"password":true},"after_sensitive":{"password":true}}}]}`
	if err := json.Unmarshal([]byte(planJSON), &plan); err != nil {
		t.Fatal(err)
	}
	return Input{
		Version: InputVersion,
		PR: PR{
			Repo: "example-org/gen3-infra", Number: 42, Author: "alice",
			Labels: []string{"prod"},
			Base:   GitRef{Ref: "main", SHA: "1111111"}, Head: GitRef{Ref: "alice/rds", SHA: "2222222"},
			Approvals:    []Approval{{User: "bob", Teams: []string{"example-org/platform"}, SHA: "2222222"}},
			ChangedFiles: []ChangedFile{{Path: "prod/commons/rds/terragrunt.hcl", Status: "modified"}},
		},
		Unit: Unit{Path: "prod/commons/rds", Kind: "terragrunt", Environment: "prod",
			Account: "123456789012", Region: "us-east-1", Tags: map[string]string{"team": "platform"},
			Credentials: Credentials{Profile: "gen3-prod", Kind: "aws_assume_role",
				PlanRoleARN: "arn:aws:iam::123456789012:role/csocbot-plan", ApplyRoleARN: "arn:aws:iam::123456789012:role/csocbot-apply",
				AllowedRoles: []string{"arn:aws:iam::123456789012:role/gen3-prod-*"}}},
		Config: Config{
			Source:       "git::https://github.com/example-org/modules.git//rds?ref=v1.4.0",
			Inputs:       map[string]any{"skip_final_snapshot": true},
			Dependencies: []Dependency{{Name: "vpc", Path: "prod/commons/vpc"}},
			Resources: []ConfigBlock{{Address: "aws_db_instance.indexd", Type: "aws_db_instance", Name: "indexd", Provider: "aws", File: "rds/main.tf",
				Origin: Origin{ModuleSource: "git::https://github.com/example-org/modules.git", ModuleVersion: "v1.4.0", Remote: true}}},
			DataSources:  []ConfigBlock{},
			Provisioners: []Provisioner{{Resource: "null_resource.seed", Type: "local-exec", File: "prod/commons/rds/seed.tf"}},
			Modules: []ConfigModule{
				{Source: "git::https://github.com/example-org/modules.git//rds?ref=v1.4.0", Version: "v1.4.0", Kind: "git",
					Remote: true, Fetched: true, Package: "git::https://github.com/example-org/modules.git", Dir: "rds"},
				{Kind: "local", Fetched: true, Dir: "prod/commons/rds"},
			},
			RequiredProviders: []RequiredProvider{{Name: "aws", Source: "hashicorp/aws", VersionConstraint: "5.60.0"}},
			AssumedRoles: []AssumedRole{{RoleARN: "arn:aws:iam::123456789012:role/gen3-prod-rds", Via: "assume_role",
				Provider: "aws", File: "prod/commons/rds/provider.tf", Line: 3}},
		},
		Plan:    &plan,
		Changes: Changes(&plan),
	}
}

// validate checks doc against the subset of JSON Schema the input schema
// uses: type, required, properties, additionalProperties (schema form),
// items, const, enum and local $ref. Documented fields the schema lacks are
// reported too, so the schema cannot drift from the Go types.
func validate(root, schema map[string]any, doc any, at string) []string {
	if ref, ok := schema["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, "#/$defs/")
		schema = root["$defs"].(map[string]any)[name].(map[string]any)
	}
	var errs []string
	if c, ok := schema["const"]; ok && c != doc {
		errs = append(errs, fmt.Sprintf("%s: %v is not %v", at, doc, c))
	}
	if enum, ok := schema["enum"].([]any); ok && !slices.Contains(enum, doc) {
		errs = append(errs, fmt.Sprintf("%s: %v not in %v", at, doc, enum))
	}
	if ty, ok := schema["type"]; ok {
		types := []any{ty}
		if list, ok := ty.([]any); ok {
			types = list
		}
		if !slices.ContainsFunc(types, func(t any) bool { return hasType(doc, t.(string)) }) {
			return append(errs, fmt.Sprintf("%s: %T is not of type %v", at, doc, ty))
		}
	}
	switch d := doc.(type) {
	case map[string]any:
		for _, r := range asList(schema["required"]) {
			if _, ok := d[r.(string)]; !ok {
				errs = append(errs, fmt.Sprintf("%s: missing %s", at, r))
			}
		}
		props, _ := schema["properties"].(map[string]any)
		add, _ := schema["additionalProperties"].(map[string]any)
		for k, v := range d {
			switch {
			case props[k] != nil:
				errs = append(errs, validate(root, props[k].(map[string]any), v, at+"."+k)...)
			case add != nil:
				errs = append(errs, validate(root, add, v, at+"."+k)...)
			case props != nil:
				errs = append(errs, fmt.Sprintf("%s: %s is not in the schema", at, k))
			}
		}
	case []any:
		if items, ok := schema["items"].(map[string]any); ok {
			for i, v := range d {
				errs = append(errs, validate(root, items, v, fmt.Sprintf("%s[%d]", at, i))...)
			}
		}
	}
	return errs
}

func asList(v any) []any { l, _ := v.([]any); return l }

func hasType(v any, t string) bool {
	switch t {
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "integer":
		n, ok := v.(json.Number)
		return ok && !strings.ContainsAny(string(n), ".eE")
	case "number":
		_, ok := v.(json.Number)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "null":
		return v == nil
	}
	return false
}

func decode(t *testing.T, b []byte) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestInputMatchesSchema(t *testing.T) {
	raw, err := os.ReadFile("schema/input.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	schema := decode(t, raw)
	if schema["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema = %v", schema["$schema"])
	}
	tests := []struct {
		name string
		in   Input
	}{
		{"full post-plan", fullInput(t)},
		{"minimal pre-plan", Input{PR: PR{Number: 1}, Unit: Unit{Kind: "terraform"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(jsonDocument(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range validate(schema, schema, decode(t, b), "input") {
				t.Error(e)
			}
		})
	}
	// The validator itself rejects a wrong document.
	bad := decode(t, []byte(`{"version":"csocbot/v0","pr":{},"unit":[],"config":{},"plan":1}`))
	if errs := validate(schema, schema, bad, "input"); len(errs) < 5 {
		t.Errorf("bad document gave only %v", errs)
	}
}

// TestInputDocExample checks that INPUT.md's example is the document
// fullInput produces, so the page stays true.
func TestInputDocExample(t *testing.T) {
	md, err := os.ReadFile("INPUT.md")
	if err != nil {
		t.Fatal(err)
	}
	const start = "<!-- example:start -->\n```json\n"
	i := bytes.Index(md, []byte(start))
	j := bytes.Index(md, []byte("```\n<!-- example:end -->"))
	if i < 0 || j < i {
		t.Fatal("INPUT.md has no example block")
	}
	want, err := json.MarshalIndent(jsonDocument(fullInput(t)), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got := bytes.TrimSpace(md[i+len(start) : j])
	if !bytes.Equal(got, want) {
		t.Errorf("INPUT.md example differs from fullInput; regenerate with\n%s", want)
	}
}

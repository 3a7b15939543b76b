package tfrun

import (
	"os"
	"path/filepath"
	"testing"
)

func TestNeedsProviders(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  bool
	}{
		{"built-in only", map[string]string{"main.tf": `resource "terraform_data" "a" {}` + "\n" + `data "terraform_remote_state" "b" { backend = "local" }`}, false},
		{"aws resource", map[string]string{"main.tf": `resource "aws_s3_bucket" "a" {}`}, true},
		{"provider block", map[string]string{"main.tf": `provider "aws" {}`}, true},
		{"required_providers", map[string]string{"versions.tf": "terraform {\n  required_providers {\n    null = { source = \"hashicorp/null\" }\n  }\n}"}, true},
		{"backend only", map[string]string{"backend.tf": "terraform {\n  backend \"local\" {}\n}"}, false},
		{"local module without providers", map[string]string{"main.tf": `module "m" { source = "./m" }`, "m/main.tf": `resource "terraform_data" "x" {}`}, false},
		{"local module with a provider", map[string]string{"main.tf": `module "m" { source = "./m" }`, "m/main.tf": `resource "random_id" "x" {}`}, true},
		{"registry module", map[string]string{"main.tf": `module "m" { source = "terraform-aws-modules/vpc/aws" }`}, true},
		{"unparsable", map[string]string{"main.tf": `resource "terraform_data" {`}, true},
		{"module above the configuration without providers", map[string]string{"unit/main.tf": `module "m" { source = "../m" }`, "m/main.tf": `resource "terraform_data" "x" {}`}, false},
		{"module above the configuration with a provider", map[string]string{"unit/main.tf": `module "m" { source = "../m" }`, "m/main.tf": `data "http" "x" { url = "https://example.com" }`}, true},
		{"missing local module", map[string]string{"main.tf": `module "m" { source = "./m" }`}, true},
		{"non-literal module source", map[string]string{"main.tf": `module "m" { source = "./${var.m}" }`}, true},
		{"module cycle", map[string]string{"main.tf": `module "m" { source = "./m" }`, "m/main.tf": `module "up" { source = "../" }`}, false},
		{"data source in a check block", map[string]string{"main.tf": "check \"up\" {\n  data \"http\" \"x\" { url = \"https://example.com\" }\n}"}, true},
		{"explicit provider", map[string]string{"main.tf": "resource \"terraform_data\" \"a\" {\n  provider = aws.west\n}"}, true},
		{"built-in only in JSON", map[string]string{"main.tf.json": `{"resource": {"terraform_data": {"a": {}}}}`}, false},
		{"ignored editor file", map[string]string{"main.tf": `resource "terraform_data" "a" {}`, ".#main.tf": `resource "aws_s3_bucket" "a" {}`}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			root := dir
			if _, ok := tt.files["unit/main.tf"]; ok {
				root = filepath.Join(dir, "unit")
			}
			for name, content := range tt.files {
				p := filepath.Join(dir, name)
				os.MkdirAll(filepath.Dir(p), 0o755)
				if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if got := needsProviders(root); got != tt.want {
				t.Errorf("needsProviders = %v, want %v", got, tt.want)
			}
		})
	}
}

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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, content := range tt.files {
				p := filepath.Join(dir, name)
				os.MkdirAll(filepath.Dir(p), 0o755)
				if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if got := needsProviders(dir); got != tt.want {
				t.Errorf("needsProviders = %v, want %v", got, tt.want)
			}
		})
	}
}

package tfconfig

import (
	"reflect"
	"testing"
	"testing/fstest"
)

func TestReadRequirements(t *testing.T) {
	fsys := fstest.MapFS{
		"m/versions.tf": {Data: []byte(`terraform {
  required_providers {
    aws      = { source = "hashicorp/aws", version = ">= 5.0", configuration_aliases = [aws.west] }
    evil     = { source = "evil-corp/evil" }
    legacy   = "~> 1.0"
  }
}
module "eks" {
  source  = "terraform-aws-modules/eks/aws"
  version = "20.8.4"
}
`)},
		"m/main.tf.json": {Data: []byte(`{"terraform": {"required_providers": {"random": {"source": "hashicorp/random"}}}}`)},
		"m/override.tf":  {Data: []byte("terraform {\n  required_providers {\n    evil = { source = \"evil-corp/evil\", version = \"2.0\" }\n  }\n}\n")},
	}
	req, err := ReadRequirements(fsys, "m")
	if err != nil {
		t.Fatal(err)
	}
	want := []RequiredProvider{
		{Name: "aws", Source: "hashicorp/aws", Version: ">= 5.0"},
		{Name: "evil", Source: "evil-corp/evil", Version: "2.0"},
		{Name: "legacy", Version: "~> 1.0"},
		{Name: "random", Source: "hashicorp/random"},
	}
	if !reflect.DeepEqual(req.Providers, want) {
		t.Errorf("providers = %+v, want %+v", req.Providers, want)
	}
	if got := req.ModuleVersions["eks"]; got != "20.8.4" {
		t.Errorf("eks version = %q", got)
	}
}

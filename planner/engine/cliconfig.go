package engine

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// cliConfigName is the Terraform CLI configuration csocbot writes in the
// cache directory and gives every run.
const cliConfigName = "terraform.rc"

// directInstallation makes providers come only from their registries.
// Without an explicit provider_installation block terraform also installs
// from implied local mirrors, among them terraform.d/plugins in the
// working directory: a pull request could commit a "provider" there and
// terraform would run it.
const directInstallation = `
# Written by csocbot: providers come from their registries (or the mirrors
# configured above), never from folders a pull request can commit.
provider_installation {
  direct {}
}
`

// writeCLIConfig writes the CLI configuration every run uses: the
// operator's (from), with an explicit provider_installation block unless
// the operator's already has one, which then decides alone.
func writeCLIConfig(cacheDir, from string) (string, error) {
	var operator []byte
	if from != "" {
		var err error
		if operator, err = os.ReadFile(from); err != nil {
			return "", fmt.Errorf("read the terraform CLI configuration: %w", err)
		}
	}
	has, err := hasProviderInstallation(operator, from)
	if err != nil {
		return "", err
	}
	content := append([]byte{}, operator...)
	if !has {
		content = append(content, directInstallation...)
	}
	path := filepath.Join(cacheDir, cliConfigName)
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return "", err
	}
	if err := os.WriteFile(path, content, 0o644); err != nil {
		return "", fmt.Errorf("write the terraform CLI configuration: %w", err)
	}
	return path, nil
}

// hasProviderInstallation reports whether a CLI configuration declares
// how providers are installed.
func hasProviderInstallation(src []byte, name string) (bool, error) {
	f, diags := hclsyntax.ParseConfig(src, name, hcl.InitialPos)
	if diags.HasErrors() {
		return false, fmt.Errorf("the terraform CLI configuration %s does not parse: %w", name, diags)
	}
	for _, b := range f.Body.(*hclsyntax.Body).Blocks {
		if b.Type == "provider_installation" {
			return true, nil
		}
	}
	return false, nil
}

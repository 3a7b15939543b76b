package config

import (
	"slices"
	"strings"
	"testing"
)

func TestCommandSettingsErrors(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       []string
	}{
		{"unknown level", "commands:\n  permissions:\n    plan: writer\n", []string{
			`config.yaml:8: commands.permissions.plan: expected none, read, triage, write, maintain, admin; got "writer"`,
		}},
		{"unknown command", "commands:\n  permissions:\n    plna: write\n", []string{
			"config.yaml:8: commands.permissions.plna: unknown command; did you mean commands.permissions.plan?",
		}},
		{"approve_policies", "commands:\n  permissions: {approve_policies: write}\n", []string{
			"config.yaml:7: commands.permissions.approve_policies: who may approve a policy set is its owners and teams",
		}},
		{"max_per_comment", "commands: {max_per_comment: 0}\n", []string{
			"config.yaml:6: commands.max_per_comment: expected a number from 1 to 100, got 0",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parse(base + tc.yaml)
			if err == nil {
				t.Fatal("no error")
			}
			got := strings.Split(err.Error(), "\n")
			if len(got) != len(tc.want) {
				t.Fatalf("errors:\n%s\nwant:\n%s", err, strings.Join(tc.want, "\n"))
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tc.want[i]) {
					t.Errorf("error %d:\n %s\nwant it to start with\n %s", i, got[i], tc.want[i])
				}
			}
		})
	}
}

func TestCommandPermissionWarnings(t *testing.T) {
	c, err := parse(base + "commands:\n  permissions:\n    plan: read\n    help: none\n")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"config.yaml:8: commands.permissions.plan: is read: people without write access can then make csocbot run a pull request's code with the plan credentials (the default is write)"}
	if !slices.Equal(c.Warnings, want) {
		t.Errorf("warnings %q, want %q", c.Warnings, want)
	}
	if c.CommandPermissions["plan"] != "read" || c.CommandPermissions["apply"] != "write" {
		t.Errorf("permissions %v", c.CommandPermissions)
	}
}

func TestCloneURL(t *testing.T) {
	for api, want := range map[string]string{
		"": "https://github.com/csoc/infra.git",
		"api_url: https://ghe.example.com/api/v3/": "https://ghe.example.com/csoc/infra.git",
	} {
		yaml := base
		if api != "" {
			yaml = strings.Replace(base, "github:\n", "github:\n  "+api+"\n", 1)
		}
		c, err := parse(yaml)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.GitHub.CloneURL("csoc/infra"); got != want {
			t.Errorf("with %q: clone URL %s, want %s", api, got, want)
		}
	}
}

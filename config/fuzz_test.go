package config

import (
	"os"
	"strings"
	"testing"
)

func FuzzParse(f *testing.F) {
	example, err := os.ReadFile("example.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(example))
	f.Add(base)
	f.Add(base + "environments:\n  - {name: prod, paths: ['live/*/*/prod/**', '**'], repositories: [csoc/infra]}\n")
	f.Add("github:\n  app: {app_id: 1, installation_id: 2, private_key_file: /keys/app.pem}\n  webhook_secret_file: /run/token\nrepositories: [{name: a/b, kind: gitops}]\n")
	f.Add(base + "environments: [{name: prod, paths: ['**']}]\nslack:\n  token_env: TOKEN\n  default_channel: csoc\n  default_events: [merged, merged, x]\n  routes: [{channel: C0123ABCD, environments: [prod, qa], events: [synced], disable: [synced]}, 1]\n")
	f.Add("a: &x [1, *x]\n---\nb: 2\n")
	f.Add("terragrunt: {env: {A: 1, A: [2], 1B: {}, \"C\\nD\": x}}\nworkers: 1.5\n\"a.b\\n\": 1\n")
	f.Fuzz(func(t *testing.T, data string) {
		c, err := parse(data)
		if (c == nil) == (err == nil) {
			t.Fatalf("config %v and error %v", c, err)
		}
		if err != nil {
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, "config.yaml") {
					t.Fatalf("problem without the file name: %q", line)
				}
			}
			return
		}
		if c.Workers < 1 || c.Workers > 64 || len(c.Repositories) == 0 || c.Plan.Timeout <= 0 {
			t.Fatalf("invalid config accepted: %+v", c)
		}
		for _, r := range c.Repositories {
			for _, e := range c.Environments {
				for _, p := range e.Paths {
					c.EnvironmentOf(r.Name, p)
				}
			}
		}
	})
}

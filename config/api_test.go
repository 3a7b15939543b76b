package config

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

func TestAPI(t *testing.T) {
	for _, tc := range []struct {
		name, yaml, token string // "" token: the API is off
	}{
		{"absent", base, ""},
		{"null", base + "api:\n", ""},
		{"token file", base + "api: {token_file: /run/token}\n", "file-t0ken"},
		{"token env", base + "api:\n  token_env: TOKEN\n", "t0ken"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parse(tc.yaml)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tc.token == "" && c.API != nil:
				t.Errorf("API %v, want it off", c.API)
			case tc.token != "" && (c.API == nil || c.API.Token.Reveal() != tc.token):
				t.Errorf("API %v, want the token %q", c.API, tc.token)
			}
		})
	}
}

func TestAPIErrors(t *testing.T) {
	// Each case lists every problem Parse must report, in order.
	for _, tc := range []struct {
		name string
		yaml string
		want []string
	}{
		{"neither", base + "api: {}\n", []string{
			"config.yaml:6: api: set token_file, the path of a file holding the API token, or token_env, the name of an environment variable holding it; or remove api to turn the API off",
		}},
		{"both", base + "api:\n  token_file: /run/token\n  token_env: TOKEN\n", []string{
			"config.yaml:8: api.token_env: set api.token_file or api.token_env, not both",
		}},
		{"inline token", base + "api:\n  token: s3cret\n", []string{
			"config.yaml:6: api: set token_file",
			"config.yaml:7: api.token: unknown key; did you mean api.token_file?",
		}},
		{"not a mapping", base + "api: on\n", []string{`config.yaml:6: api: expected a mapping of keys to values, got "on"`}},
		{"file missing", base + "api: {token_file: /run/nope}\n", []string{"config.yaml:6: api.token_file: file /run/nope does not exist"}},
		{"file empty", base + "api: {token_file: /run/empty}\n", []string{"config.yaml:6: api.token_file: file /run/empty is empty"}},
		{"env unset", base + "api: {token_env: NOPE}\n", []string{"config.yaml:6: api.token_env: environment variable NOPE is not set"}},
		{"env empty", base + "api: {token_env: EMPTY}\n", []string{"config.yaml:6: api.token_env: environment variable EMPTY is empty"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parse(tc.yaml)
			if err == nil {
				t.Fatalf("no error; config %+v", c)
			}
			got := strings.Split(err.Error(), "\n")
			ok := len(got) == len(tc.want)
			for i := 0; ok && i < len(got); i++ {
				ok = strings.HasPrefix(got[i], tc.want[i])
			}
			if !ok {
				t.Errorf("errors:\n%s\nwant (prefixes):\n%s", err, strings.Join(tc.want, "\n"))
			}
		})
	}
}

// TestAPIExample checks that example.yaml's api block, uncommented, is
// valid, and that the token is never printed.
func TestAPIExample(t *testing.T) {
	data, err := os.ReadFile("example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	example := string(data)
	for _, line := range []string{"api:", "  token_file: /run/secrets/csocbot-api-token"} {
		if !strings.Contains(example, "\n# "+line+"\n") {
			t.Fatalf("example.yaml has no line %q", "# "+line)
		}
		example = strings.Replace(example, "\n# "+line+"\n", "\n"+line+"\n", 1)
	}
	const token = "example-api-token"
	c, err := Parse([]byte(example), "example.yaml", lookupTestEnv, func(name string) ([]byte, error) {
		if name == "/run/secrets/csocbot-api-token" {
			return []byte(token + "\n"), nil
		}
		return os.ReadFile(name)
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.API == nil || c.API.Token.Reveal() != token {
		t.Fatalf("API %v", c.API)
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		if s := fmt.Sprintf(verb, c.API); strings.Contains(s, token) {
			t.Errorf("%s prints the token: %s", verb, s)
		}
	}
}

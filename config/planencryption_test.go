package config

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/csocbot/csocbot/store/seal"
)

// Plan keys the tests below read, base64 of 32 bytes each.
var (
	planKeyNew = base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0x5a}, 32))
	planKeyOld = base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0xa5}, 32))
	planKeys   = map[string]string{
		"/keys/plan":       "# new plans are sealed with the first key\n2026-12:" + planKeyNew + "\n2026-06:" + planKeyOld + "\n",
		"/etc/plan-keys":   "2026-06:" + planKeyOld + "\n",
		"/keys/plan-empty": "\n",
		"/keys/plan-none":  "# no keys yet\n",
		"/keys/plan-bad":   "2026-12:" + planKeyNew[:20] + "\n" + planKeyOld + "\n2026-06:" + planKeyOld + "\n2026-06:" + planKeyNew + "\n",
	}
	planEnv = map[string]string{
		"PLAN_KEYS":  "2026-12:" + planKeyNew,
		"PLAN_EMPTY": "",
		"PLAN_SHORT": "k:" + planKeyNew[:20],
	}
)

// parsePlanKeys parses like parse, with the plan keys above.
func parsePlanKeys(yaml string) (*Config, error) {
	return Parse([]byte(yaml), "/etc/config.yaml", func(name string) (string, bool) {
		if v, ok := planEnv[name]; ok {
			return v, true
		}
		return lookupTestEnv(name)
	}, func(name string) ([]byte, error) {
		if data, ok := planKeys[name]; ok {
			return []byte(data), nil
		}
		return readTestFile(name)
	})
}

func TestPlanEncryption(t *testing.T) {
	for _, tc := range []struct {
		name    string
		yaml    string
		want    PlanEncryption // without Keys
		keys    string         // Keys.String()
		current string
	}{
		{"absent", base, PlanEncryption{}, "", ""},
		{"null", base + "plan_encryption:\n", PlanEncryption{}, "", ""},
		{"key file", base + "plan_encryption:\n  key_file: /keys/plan\n", PlanEncryption{KeyFile: "/keys/plan"},
			"seal.Keyring{keys: 2026-12 (current), 2026-06; from key file /keys/plan; key material [redacted]}", "2026-12"},
		{"relative key file", base + "plan_encryption: {key_file: plan-keys}\n", PlanEncryption{KeyFile: "/etc/plan-keys"},
			"seal.Keyring{keys: 2026-06 (current); from key file /etc/plan-keys; key material [redacted]}", "2026-06"},
		{"key env", base + "plan_encryption: {key_env: PLAN_KEYS}\n", PlanEncryption{KeyEnv: "PLAN_KEYS"},
			"seal.Keyring{keys: 2026-12 (current); from environment variable PLAN_KEYS; key material [redacted]}", "2026-12"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parsePlanKeys(tc.yaml)
			if err != nil {
				t.Fatal(err)
			}
			p := c.PlanEncryption
			if tc.keys == "" {
				if p != nil {
					t.Errorf("plan encryption %v, want none", p)
				}
				return
			}
			if p == nil || p.Keys == nil {
				t.Fatalf("plan encryption %v", p)
			}
			if p.KeyFile != tc.want.KeyFile || p.KeyEnv != tc.want.KeyEnv {
				t.Errorf("key_file %q, key_env %q; want %q, %q", p.KeyFile, p.KeyEnv, tc.want.KeyFile, tc.want.KeyEnv)
			}
			if got := p.Keys.String(); got != tc.keys {
				t.Errorf("keys %s, want %s", got, tc.keys)
			}
			ad := seal.AssociatedData("plan", "csoc/infra", "1", "live/prod/vpc")
			s, err := p.Keys.Seal([]byte("plan"), ad)
			if err != nil || s.KeyID != tc.current {
				t.Fatalf("sealed with key %q, %v; want %q", s.KeyID, err, tc.current)
			}
			if got, err := p.Keys.Open(s, ad); err != nil || string(got) != "plan" {
				t.Errorf("opened %q, %v", got, err)
			}
		})
	}
}

// TestPlanEncryptionExample checks that example.yaml's plan_encryption
// block, uncommented, is valid.
func TestPlanEncryptionExample(t *testing.T) {
	data, err := os.ReadFile("example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	example := string(data)
	for _, line := range []string{"plan_encryption:", "  key_file: /run/secrets/csocbot-plan-keys"} {
		if !strings.Contains(example, "\n# "+line+"\n") {
			t.Fatalf("example.yaml has no line %q", "# "+line)
		}
		example = strings.Replace(example, "\n# "+line+"\n", "\n"+line+"\n", 1)
	}
	c, err := Parse([]byte(example), "example.yaml", lookupTestEnv, func(name string) ([]byte, error) {
		if name == "/run/secrets/csocbot-plan-keys" {
			return []byte(planKeys["/keys/plan"]), nil
		}
		return os.ReadFile(name)
	})
	if err != nil {
		t.Fatal(err)
	}
	if p := c.PlanEncryption; p == nil || p.KeyFile != "/run/secrets/csocbot-plan-keys" || p.Keys == nil {
		t.Errorf("plan encryption %+v", p)
	}
}

func TestPlanEncryptionKeyRemoved(t *testing.T) {
	// A plan sealed with 2026-06; then 2026-12 is added in front of it,
	// and later 2026-06 is removed.
	original, err := parsePlanKeys(base + "plan_encryption: {key_file: /etc/plan-keys}\n")
	if err != nil {
		t.Fatal(err)
	}
	s, err := original.PlanEncryption.Keys.Seal([]byte("plan"), nil)
	if err != nil {
		t.Fatal(err)
	}
	rotated, err := parsePlanKeys(base + "plan_encryption: {key_file: /keys/plan}\n")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rotated.PlanEncryption.Keys.Open(s, nil); err != nil {
		t.Errorf("both keys configured: %v", err)
	}
	removed, err := parsePlanKeys(base + "plan_encryption: {key_env: PLAN_KEYS}\n")
	if err != nil {
		t.Fatal(err)
	}
	_, err = removed.PlanEncryption.Keys.Open(s, nil)
	want := `unknown key: sealed with key "2026-06", which is not configured (the keys are "2026-12"); add it back to the environment variable PLAN_KEYS to read what was sealed with it`
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("old key removed:\n%v\nwant\n%s", err, want)
	}
}

func TestPlanEncryptionErrors(t *testing.T) {
	// Each case lists every problem Parse must report, in order.
	for _, tc := range []struct {
		name string
		yaml string
		want []string
	}{
		{"neither", base + "plan_encryption: {}\n", []string{
			"/etc/config.yaml:6: plan_encryption: set key_file, the path of a file of keys, or key_env, the name of an environment variable holding them",
		}},
		{"both", base + "plan_encryption:\n  key_file: /keys/plan\n  key_env: PLAN_KEYS\n", []string{
			"/etc/config.yaml:8: plan_encryption.key_env: set plan_encryption.key_file or plan_encryption.key_env, not both",
		}},
		{"inline keys", base + "plan_encryption:\n  keys: 2026-12:abc\n", []string{
			"/etc/config.yaml:6: plan_encryption: set key_file",
			"/etc/config.yaml:7: plan_encryption.keys: unknown key; expected one of key_file, key_env",
		}},
		{"not a mapping", base + "plan_encryption: /keys/plan\n", []string{
			`/etc/config.yaml:6: plan_encryption: expected a mapping of keys to values, got "/keys/plan"`,
		}},
		{"file missing", base + "plan_encryption: {key_file: /keys/nope}\n", []string{
			"/etc/config.yaml:6: plan_encryption.key_file: file /keys/nope does not exist",
		}},
		{"file unreadable", base + "plan_encryption: {key_file: /run/denied}\n", []string{
			"/etc/config.yaml:6: plan_encryption.key_file: cannot read file /run/denied: permission denied",
		}},
		{"file empty", base + "plan_encryption: {key_file: /keys/plan-empty}\n", []string{
			"/etc/config.yaml:6: plan_encryption.key_file: file /keys/plan-empty is empty",
		}},
		{"file without keys", base + "plan_encryption: {key_file: /keys/plan-none}\n", []string{
			`/etc/config.yaml:6: plan_encryption.key_file: key file /keys/plan-none holds no keys; write one per line as KEYID:BASE64, for example: echo "$(date -u +%F):$(openssl rand -base64 32)"`,
		}},
		{"bad keys", base + "plan_encryption:\n  key_file: /keys/plan-bad\n", []string{
			`/etc/config.yaml:7: plan_encryption.key_file: key file /keys/plan-bad, line 1: key "2026-12" is 15 bytes; AES-256 needs exactly 32; make one with: openssl rand -base64 32`,
			"/etc/config.yaml:7: plan_encryption.key_file: key file /keys/plan-bad, line 2: expected KEYID:BASE64, a key id, a colon and the key",
			`/etc/config.yaml:7: plan_encryption.key_file: key file /keys/plan-bad, line 4: key id "2026-06" is used twice (first on line 3); give each key its own id`,
		}},
		{"env unset", base + "plan_encryption: {key_env: NOPE}\n", []string{
			"/etc/config.yaml:6: plan_encryption.key_env: environment variable NOPE is not set",
		}},
		{"env empty", base + "plan_encryption: {key_env: PLAN_EMPTY}\n", []string{
			"/etc/config.yaml:6: plan_encryption.key_env: environment variable PLAN_EMPTY is empty",
		}},
		{"env not a name", base + "plan_encryption: {key_env: plan-keys}\n", []string{
			"/etc/config.yaml:6: plan_encryption.key_env: expected the name of an environment variable",
		}},
		{"env short key", base + "plan_encryption: {key_env: PLAN_SHORT}\n", []string{
			`/etc/config.yaml:6: plan_encryption.key_env: environment variable PLAN_SHORT, line 1: key "k" is 15 bytes; AES-256 needs exactly 32`,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parsePlanKeys(tc.yaml)
			if err == nil {
				t.Fatalf("no error; config %+v", c)
			}
			if c != nil {
				t.Errorf("a config came with the error")
			}
			got := strings.Split(err.Error(), "\n")
			ok := len(got) == len(tc.want)
			for i := 0; ok && i < len(got); i++ {
				ok = strings.HasPrefix(got[i], tc.want[i])
			}
			if !ok {
				t.Errorf("errors:\n%s\nwant (prefixes):\n%s", err, strings.Join(tc.want, "\n"))
			}
			for _, key := range []string{planKeyNew[:20], planKeyOld[:20]} {
				if strings.Contains(err.Error(), key) {
					t.Errorf("key material in the error: %s", err)
				}
			}
		})
	}
}

func TestPlanKeysNeverPrinted(t *testing.T) {
	c, err := parsePlanKeys(base + "plan_encryption: {key_file: /keys/plan}\n")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%d"} {
		out = append(out, fmt.Sprintf(verb, c), fmt.Sprintf(verb, *c), fmt.Sprintf(verb, c.PlanEncryption), fmt.Sprintf(verb, *c.PlanEncryption))
	}
	data, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, string(data))
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("config", "config", c, "plan_encryption", c.PlanEncryption)
	out = append(out, buf.String())
	for _, o := range out {
		for _, key := range []string{planKeyNew[:20], planKeyOld[:20], "5a5a5a5a", "a5a5a5a5", "90 90 90", "165 165 165", "1515870810", "2779096485"} {
			if strings.Contains(o, key) {
				t.Errorf("key material printed: %s", o)
				break
			}
		}
	}
}

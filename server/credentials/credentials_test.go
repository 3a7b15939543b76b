package credentials

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/csocbot/csocbot/config"
	"github.com/csocbot/csocbot/internal/fakests"
)

// writeFile writes data to a file of its own and returns its path.
func writeFile(t *testing.T, data string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "cloud.env")
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestEnvFile(t *testing.T) {
	for _, tc := range []struct {
		name string
		data string
		want []string
	}{
		{"plain", "B_TOKEN=b\nA_KEY=a\n", []string{"A_KEY=a", "B_TOKEN=b"}},
		{"comments, blanks, export, quotes and spaces", "# cloud\n\n  export ARM_CLIENT_SECRET = \"s3 cr=t\"  \r\nARM_TENANT='t'\nEMPTY=\nHALF=\"x\nEQ==a=b\n",
			[]string{"ARM_CLIENT_SECRET=s3 cr=t", "ARM_TENANT=t", "EMPTY=", "EQ==a=b", "HALF=\"x"}},
		{"no final newline", "ONLY=1", []string{"ONLY=1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			creds, err := EnvFile{Name: "cloud", Path: writeFile(t, tc.data)}.Mint(context.Background(), request)
			if err != nil {
				t.Fatal(err)
			}
			if got := creds.Environ(); !slices.Equal(got, tc.want) {
				t.Errorf("Environ() = %q, want %q", got, tc.want)
			}
			if creds.Profile != "cloud" || creds.RoleARN != "" || !creds.Expires.IsZero() {
				t.Errorf("credentials %s", creds)
			}
		})
	}
}

func TestEnvFileErrors(t *testing.T) {
	const secret = "hunter2-secret"
	missing := filepath.Join(t.TempDir(), "missing.env")
	for _, tc := range []struct {
		name string
		path string
		want string
	}{
		{"missing", missing, "credentials profile cloud: read env_file: open " + missing + ": no such file or directory"},
		{"empty", writeFile(t, "# nothing yet\n\n"), "sets no variables"},
		{"malformed", writeFile(t, "OK=1\n"+secret+"\n1ST="+secret+"\nA B="+secret+"\nOK="+secret+"\n="+secret+"\nNUL=a\x00"+secret+"\n"),
			"line 2: expected NAME=value (the line is not shown: it may hold a secret)\n" +
				"line 3: expected a variable name (letters, digits and _, not starting with a digit) before = (the line is not shown: it may hold a secret)\n" +
				"line 4: expected a variable name (letters, digits and _, not starting with a digit) before = (the line is not shown: it may hold a secret)\n" +
				"line 5: OK is set twice (first at line 1)\n" +
				"line 6: expected a variable name (letters, digits and _, not starting with a digit) before = (the line is not shown: it may hold a secret)\n" +
				"line 7: NUL holds a NUL character, which no environment variable can"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			creds, err := EnvFile{Name: "cloud", Path: tc.path}.Mint(context.Background(), request)
			if err == nil {
				t.Fatalf("no error; credentials %s", creds)
			}
			if creds.Environ() != nil {
				t.Errorf("credentials came with the error: %s", creds)
			}
			if msg := err.Error(); !strings.HasSuffix(msg, tc.want) || !strings.HasPrefix(msg, "credentials profile cloud: ") {
				t.Errorf("error:\n%s\nwant it to end:\n%s", msg, tc.want)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("the error shows a secret:\n%s", err)
			}
		})
	}
	_, err := EnvFile{Name: "cloud", Path: missing}.Mint(context.Background(), request)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a missing file's error %v does not wrap fs.ErrNotExist", err)
	}
}

func TestRequestChecked(t *testing.T) {
	fake := fakests.New(t)
	profile := config.CredentialProfile{Name: "prod", Kind: config.CredentialsAssumeRole, PlanRoleARN: planRole, ApplyRoleARN: applyRole}
	profiles := []Profile{None{}, EnvFile{Name: "cloud", Path: writeFile(t, "A=1\n")}, NewAssumeRole(profile, botConfig("us-east-1"), fake.URL())}
	for _, tc := range []struct {
		req  Request
		want string
	}{
		{Request{}, `credentials request: purpose "" is neither plan nor apply, no repository, no pull request, no user, no head commit`},
		{Request{Purpose: "destroy", Repo: "a/b", PR: 1, User: "u", HeadSHA: "abc"}, `credentials request: purpose "destroy" is neither plan nor apply`},
	} {
		for _, p := range profiles {
			if _, err := p.Mint(context.Background(), tc.req); err == nil || err.Error() != tc.want {
				t.Errorf("%T.Mint(%+v) = %v, want %s", p, tc.req, err, tc.want)
			}
		}
	}
	if n := len(fake.Requests()); n != 0 {
		t.Errorf("%d requests reached STS", n)
	}
}

func TestProfiles(t *testing.T) {
	fake := fakests.New(t)
	base := botConfig("us-east-1")
	c := config.Credentials{Profiles: []config.CredentialProfile{
		{Name: "prod", Kind: config.CredentialsAssumeRole, PlanRoleARN: planRole, ApplyRoleARN: applyRole},
		{Name: "cloud", Kind: config.CredentialsEnvFile, EnvFile: writeFile(t, "ARM_CLIENT_SECRET=s\n")},
		{Name: "off", Kind: config.CredentialsNone},
	}}
	profiles, err := New(context.Background(), c, Options{AWS: &base, STSEndpoint: fake.URL()})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		profile string
		names   []string
		role    string
	}{
		{"prod", []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}, planRole},
		{"cloud", []string{"ARM_CLIENT_SECRET"}, ""},
		{"off", nil, ""},
		{"", nil, ""},
	} {
		creds, err := profiles.Mint(context.Background(), tc.profile, request)
		if err != nil {
			t.Errorf("profile %q: %v", tc.profile, err)
			continue
		}
		if !slices.Equal(creds.Names(), tc.names) || creds.RoleARN != tc.role || creds.Profile != tc.profile {
			t.Errorf("profile %q: %s", tc.profile, creds)
		}
	}
	if _, err := profiles.Mint(context.Background(), "staging", request); err == nil || err.Error() != "no credentials profile named staging" {
		t.Errorf("an unknown profile: %v", err)
	}
	if n := len(fake.Requests()); n != 1 {
		t.Errorf("%d requests reached STS, want 1", n)
	}
}

// TestNothingSecretPrinted prints credentials and errors every way a
// caller might, and looks for their secret values in what is printed.
func TestNothingSecretPrinted(t *testing.T) {
	fake := fakests.New(t)
	profile := config.CredentialProfile{Name: "prod", Kind: config.CredentialsAssumeRole, PlanRoleARN: planRole, ApplyRoleARN: applyRole, Region: "eu-west-1"}
	aws, err := NewAssumeRole(profile, botConfig("us-east-1"), fake.URL()).Mint(context.Background(), request)
	if err != nil {
		t.Fatal(err)
	}
	issued := fake.Requests()[0].Issued
	env, err := EnvFile{Name: "cloud", Path: writeFile(t, "ARM_CLIENT_SECRET=arm-secret-value\n")}.Mint(context.Background(), request)
	if err != nil {
		t.Fatal(err)
	}
	secrets := []string{issued.AccessKeyID, issued.SecretAccessKey, issued.SessionToken, "arm-secret-value", botSecret}

	fake.Deny(planRole)
	_, denied := NewAssumeRole(profile, botConfig("us-east-1"), fake.URL()).Mint(context.Background(), request)
	_, malformed := EnvFile{Name: "cloud", Path: writeFile(t, "arm-secret-value\n")}.Mint(context.Background(), request)
	if denied == nil || malformed == nil {
		t.Fatalf("errors %v, %v", denied, malformed)
	}

	type run struct {
		Creds Credentials
		creds Credentials
		ptr   *Credentials
	}
	var printed []string
	for _, v := range []any{aws, &aws, env, []Credentials{aws}, map[string]Credentials{"k": env},
		run{aws, aws, &aws}, &run{env, env, &env}, denied, malformed} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T %[1]v"} {
			printed = append(printed, fmt.Sprintf(verb, v))
		}
		printed = append(printed, fmt.Sprint(v), fmt.Sprintln(v))
		var text, js bytes.Buffer
		slog.New(slog.NewTextHandler(&text, nil)).Info("minted", "v", v)
		slog.New(slog.NewJSONHandler(&js, nil)).Info("minted", "v", v)
		printed = append(printed, text.String(), js.String())
		if data, err := json.Marshal(v); err == nil {
			printed = append(printed, string(data))
		}
	}
	printed = append(printed, aws.String(), aws.GoString(), aws.LogValue().String(), denied.Error(), malformed.Error())
	for _, p := range printed {
		for _, s := range secrets {
			if strings.Contains(p, s) {
				t.Errorf("a secret is printed in\n%s", p)
			}
		}
	}

	want := "credentials of profile prod for role " + planRole + " until " + issued.Expiration.Format("2006-01-02T15:04:05Z") +
		": AWS_ACCESS_KEY_ID=[redacted] AWS_DEFAULT_REGION=[redacted] AWS_REGION=[redacted] AWS_SECRET_ACCESS_KEY=[redacted] AWS_SESSION_TOKEN=[redacted]"
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x"} {
		if got := fmt.Sprintf(verb, aws); got != want {
			t.Errorf("%s:\n got %s\nwant %s", verb, got, want)
		}
	}
	if got, want := fmt.Sprint(env), "credentials of profile cloud: ARM_CLIENT_SECRET=[redacted]"; got != want {
		t.Errorf("env file credentials print as %s, want %s", got, want)
	}
	if got, want := fmt.Sprint(Credentials{}), "credentials: no variables"; got != want {
		t.Errorf("zero credentials print as %s, want %s", got, want)
	}
	var text bytes.Buffer
	slog.New(slog.NewTextHandler(&text, nil)).Info("minted", "creds", aws)
	wantLog := "creds.profile=prod creds.role_arn=" + planRole + " creds.expires=" + issued.Expiration.Format("2006-01-02T15:04:05.000Z07:00") +
		" creds.env=AWS_ACCESS_KEY_ID,AWS_DEFAULT_REGION,AWS_REGION,AWS_SECRET_ACCESS_KEY,AWS_SESSION_TOKEN\n"
	if !strings.HasSuffix(text.String(), wantLog) {
		t.Errorf("log:\n%s\nwant it to end:\n%s", text.String(), wantLog)
	}
}

// TestStandardChain checks that without Options.AWS roles are assumed with
// the bot's own credentials from the standard chain (here, its environment).
func TestStandardChain(t *testing.T) {
	fake := fakests.New(t)
	for name, value := range map[string]string{
		"AWS_ACCESS_KEY_ID":           "AKIAFROMENV",
		"AWS_SECRET_ACCESS_KEY":       "secret-from-env",
		"AWS_SESSION_TOKEN":           "",
		"AWS_REGION":                  "eu-central-1",
		"AWS_PROFILE":                 "",
		"AWS_CONFIG_FILE":             filepath.Join(t.TempDir(), "none"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(t.TempDir(), "none"),
		"AWS_EC2_METADATA_DISABLED":   "true",
	} {
		t.Setenv(name, value)
	}
	c := config.Credentials{Profiles: []config.CredentialProfile{
		{Name: "prod", Kind: config.CredentialsAssumeRole, PlanRoleARN: planRole, ApplyRoleARN: applyRole},
	}}
	profiles, err := New(context.Background(), c, Options{STSEndpoint: fake.URL()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := profiles.Mint(context.Background(), "prod", request); err != nil {
		t.Fatal(err)
	}
	if got := fake.Requests()[0]; got.AccessKeyID != "AKIAFROMENV" || got.Region != "eu-central-1" {
		t.Errorf("STS was called with key %s in %s, want AKIAFROMENV in eu-central-1", got.AccessKeyID, got.Region)
	}
}

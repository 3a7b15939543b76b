package workflow

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/csocbot/csocbot/config"
	"github.com/csocbot/csocbot/internal/gittest"
	"github.com/csocbot/csocbot/planner/detect"
	"github.com/csocbot/csocbot/planner/engine"
	"github.com/csocbot/csocbot/planner/gitrepo"
	"github.com/csocbot/csocbot/planner/tfrun"
	"github.com/csocbot/csocbot/server/credentials"
	"github.com/csocbot/csocbot/store"
)

// brokenAudit is an audit log that refuses every entry, so that the
// workflows log a warning from deep in their runs.
type brokenAudit struct{}

func (brokenAudit) AppendAudit(context.Context, store.AuditEntry) (store.AuditEntry, error) {
	return store.AuditEntry{}, errors.New("the audit log is unavailable")
}

// envFileMinter mints every profile from one env file, as a profile of
// kind env_file would.
type envFileMinter struct{ path string }

func (m envFileMinter) Mint(ctx context.Context, _ string, req credentials.Request) (credentials.Credentials, error) {
	return credentials.EnvFile{Name: "test", Path: m.path}.Mint(ctx, req)
}

// TestRunLogsNameTheirJob runs workflows with a JSON logger and checks
// that every line a run logs names its job, repository and pull request,
// that the lines deep in the run (a failed audit) are among them, and
// that no minted secret is logged.
func TestRunLogsNameTheirJob(t *testing.T) {
	tests := []struct {
		name string
		// run runs the workflow with log and returns its change and the
		// secrets it was given, by what they are.
		run  func(t *testing.T, log *slog.Logger) (Change, map[string]string)
		want []string // messages the run must log
	}{
		{"plan", runPlanLogged, []string{"detected affected units", "prepared working directory", "planned unit", "could not append to the audit log"}},
		{"values", runValuesLogged, []string{"found affected applications", "could not append to the audit log"}},
		{"apply refused", runApplyLogged, []string{"could not append to the audit log"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			c, secrets := tt.run(t, slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
			seen := map[string]bool{}
			for line := range strings.Lines(buf.String()) {
				var rec map[string]any
				if err := json.Unmarshal([]byte(line), &rec); err != nil {
					t.Fatalf("a log line is not JSON: %q", line)
				}
				seen[rec["msg"].(string)] = true
				if rec["job"] != float64(c.Job) || rec["repo"] != c.Repo || rec["pr"] != float64(c.PR) {
					t.Errorf("%q has job %v, repo %v, pr %v; want %d, %s, %d", rec["msg"], rec["job"], rec["repo"], rec["pr"], c.Job, c.Repo, c.PR)
				}
			}
			for _, msg := range tt.want {
				if !seen[msg] {
					t.Errorf("no %q line in the logs:\n%s", msg, buf.String())
				}
			}
			for what, s := range secrets {
				if strings.Contains(buf.String(), s) {
					t.Errorf("the logs show %s", what)
				}
			}
		})
	}
}

// runPlanLogged plans a change of the sample infra repository's plain
// root with terraform, its credentials minted from an env file.
func runPlanLogged(t *testing.T, log *slog.Logger) (Change, map[string]string) {
	bin, err := tfrun.Find(t.Context(), tfrun.FindOptions{})
	if err != nil {
		t.Skipf("no terraform or tofu: %v", err)
	}
	src := gittest.New(t, filepath.Join("..", "..", "testdata", "infra"))
	base := src.CommitAll("base")
	src.Append("terraform/csoc-dns/main.tf", "\nresource \"terraform_data\" \"logged\" {\n  input = \"x\"\n}\n")
	head := src.CommitAll("change")
	g, err := gitrepo.Open(src.Dir)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	secrets := map[string]string{"the session token": "FQoGZXIvYXdzEJr//////////wEaDLogTestToken", "the secret key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYLOGTEST"}
	envFile := filepath.Join(t.TempDir(), "creds.env")
	env := "AWS_ACCESS_KEY_ID=AKIALOGTEST\nAWS_SECRET_ACCESS_KEY=" + secrets["the secret key"] + "\nAWS_SESSION_TOKEN=" + secrets["the session token"] + "\n"
	if err := os.WriteFile(envFile, []byte(env), 0o600); err != nil {
		t.Fatal(err)
	}
	cli := filepath.Join(t.TempDir(), "terraformrc")
	if err := os.WriteFile(cli, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(engine.Options{Binary: bin, CacheDir: t.TempDir(), CLIConfigFile: cli, Parallelism: 2})
	if err != nil {
		t.Fatal(err)
	}
	c := Change{Repo: "csoc/infra", PR: 7, HeadSHA: head, Job: 42}
	p := &Plan{Engine: eng, Config: &config.Config{}, Audit: brokenAudit{}, Credentials: envFileMinter{envFile}, Reporters: []Reporter{&recorder{}}, Logger: log}
	out, err := p.Run(t.Context(), PlanRequest{
		Change: c, Repo: g, Detector: detect.New(g, detect.Options{Root: src.Dir}),
		Base: base, Head: head, Root: src.Dir, Key: "test/" + head, Actor: "alice",
	})
	if err != nil || out.Refused != nil || out.Run.Failed() {
		t.Fatalf("Run = %+v, %v; want a plan", out, err)
	}
	return c, secrets
}

// runValuesLogged checks a release bump of the gitops corpus.
func runValuesLogged(t *testing.T, log *slog.Logger) (Change, map[string]string) {
	const file = "unfunded/diseasedatahub.org/values/values.yaml"
	repo, base, head := gitopsChange(t, func(src *gittest.Repo) { src.Replace(file, "tag: '2026.04'", "tag: '2026.05'") })
	c := Change{Repo: "uc-cdis/gen3-gitops", PR: 9, HeadSHA: head, Job: 43}
	v := &Values{Config: &config.Config{}, Audit: brokenAudit{}, Reporters: []Reporter{&recorder{}}, Logger: log}
	if _, err := v.Run(t.Context(), ValuesRequest{Change: c, Repo: repo, Base: base, Head: head}); err != nil {
		t.Fatal(err)
	}
	return c, nil
}

// auditOnlyStore is an ApplyStore whose audit log refuses every entry;
// the apply it serves must not get further than a refusal.
type auditOnlyStore struct {
	ApplyStore // nil: any other call panics
}

func (auditOnlyStore) AppendAudit(ctx context.Context, e store.AuditEntry) (store.AuditEntry, error) {
	return brokenAudit{}.AppendAudit(ctx, e)
}

// runApplyLogged asks a server with apply disabled to apply, which is
// refused and audited.
func runApplyLogged(t *testing.T, log *slog.Logger) (Change, map[string]string) {
	c := Change{Repo: "csoc/infra", PR: 11, HeadSHA: "0123456789abcdef", Job: 44}
	a := &Apply{Config: &config.Config{}, Store: auditOnlyStore{}, Reporters: []Reporter{&recorder{}}, Logger: log}
	out, err := a.Run(t.Context(), ApplyRequest{Change: c, Actor: "alice"})
	if err != nil || len(out.Refused) == 0 {
		t.Fatalf("Run = %+v, %v; want a refusal", out, err)
	}
	return c, nil
}

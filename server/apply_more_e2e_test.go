package server

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awscreds "github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/csocbot/csocbot/internal/fakegithub"
	"github.com/csocbot/csocbot/internal/fakests"
	"github.com/csocbot/csocbot/internal/gittest"
	"github.com/csocbot/csocbot/planner/sandbox"
	"github.com/csocbot/csocbot/planner/tfrun"
	"github.com/csocbot/csocbot/server/credentials"
	"github.com/csocbot/csocbot/store"
)

const (
	planRoleARN  = "arn:aws:iam::123456789012:role/csocbot-plan"
	applyRoleARN = "arn:aws:iam::123456789012:role/csocbot-apply"
	// The bot's own AWS key, which roles are assumed with and which no
	// run may see.
	botAWSKeyID  = "AKIABOTOWNKEYEXAMPLE"
	botAWSSecret = "bot-own-aws-secret-value"
	credsRoot    = "terraform/creds"
)

// credentialsConfig is a profile for account 123456789012 that every unit
// gets.
const credentialsConfig = `credentials:
  default: aws
  profiles:
    - name: aws
      kind: aws_assume_role
      plan_role_arn: ` + planRoleARN + `
      apply_role_arn: ` + applyRoleARN + `
apply: {enabled: true, requirements: [approved, fresh_plan]}
`

// credsE2E is a server whose runs get credentials from a fake STS, with a
// pull request that adds a root whose apply writes terraform's
// environment to envFile.
type credsE2E struct {
	*e2e
	sts     *fakests.Server
	envFile string
}

func newCredsE2E(t *testing.T) credsE2E {
	t.Helper()
	// The bot's own secrets are in its environment, as in a deployment:
	// none of them may reach a run.
	t.Setenv("CSOCBOT_GITHUB_TOKEN", gitToken)
	t.Setenv("CSOCBOT_WEBHOOK_SECRET", testSecret)
	t.Setenv("AWS_ACCESS_KEY_ID", botAWSKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", botAWSSecret)
	sts := fakests.New(t)
	profiles, err := credentials.New(context.Background(), testConfig(t, credentialsConfig).Credentials, credentials.Options{
		AWS: &aws.Config{
			Region:      "us-east-1",
			Credentials: awscreds.NewStaticCredentialsProvider(botAWSKeyID, botAWSSecret, ""),
			Retryer:     func() aws.Retryer { return aws.NopRetryer{} },
		},
		STSEndpoint: sts.URL(),
	})
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	envFile := filepath.Join(out, "apply-env.txt")
	var confiner tfrun.Sandbox
	if self, err := os.Executable(); err == nil {
		if report := sandbox.Probe(t.Context(), self); report.FileSystem {
			confiner = sandbox.Confiner{Self: self, PIDNamespace: report.PIDNamespace}
		} else {
			t.Logf("terraform runs unconfined: %s", strings.Join(report.Problems, "; "))
		}
	}
	e := newE2EWith(t, e2eOptions{
		config:      credentialsConfig,
		sealer:      testKeys(t),
		credentials: profiles,
		sandbox:     confiner,
		writable:    []string{out},
		prChange: func(src *gittest.Repo) {
			src.Write(credsRoot+"/main.tf", "resource \"terraform_data\" \"env\" {\n  provisioner \"local-exec\" {\n    command = \"env > "+envFile+"\"\n  }\n}\n")
		},
	})
	e.gh.SetPermission(e.repo, "alice", "write")
	return credsE2E{e2e: e, sts: sts, envFile: envFile}
}

// planAndApprove plans the pull request and has bob approve its head.
func (e *e2e) planAndApprove() {
	e.t.Helper()
	post(e.t, e.srv.Handler(), delivery{event: "pull_request", id: "open", body: e.openedPayload()})
	e.waitFor("the plan comment", func() bool { return len(e.planComments()) > 0 })
	e.gh.AddReview(e.repo, e.pr, fakegithub.Review{User: fakegithub.User{Login: "bob"}, State: "APPROVED", CommitID: e.headSHA})
}

// readEnv parses an env dump.
func readEnv(b []byte) map[string]string {
	env := map[string]string{}
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, "="); ok {
			env[k] = v
		}
	}
	return env
}

// TestEndToEndApplyGetsTheMintedCredentialsOnly plans with the plan role
// and applies with the apply role, minted from a fake STS that speaks the
// real protocol: terraform sees the apply role's credentials at apply and
// none of the bot's secrets, and no credential reaches a comment, a
// status or the audit log.
func TestEndToEndApplyGetsTheMintedCredentialsOnly(t *testing.T) {
	e := newCredsE2E(t)
	e.start()
	e.planAndApprove()
	if _, err := os.Stat(e.envFile); err == nil {
		t.Fatal("the plan ran the local-exec provisioner")
	}
	e.deliverComment("alice", "csocbot apply -u "+credsRoot)
	e.waitFor("the apply reply", func() bool { return e.commentSaying("csocbot apply of") != "" })
	reply := e.commentSaying("csocbot apply of")
	for _, want := range []string{"Asked by @alice", "| `" + credsRoot + "` | ✅ applied |", "`" + applyRoleARN + "`"} {
		if !strings.Contains(reply, want) {
			t.Errorf("apply reply lacks %q:\n%s", want, reply)
		}
	}

	reqs := e.sts.Requests()
	var plan, apply []fakests.Request
	for _, r := range reqs {
		if r.Error != "" {
			t.Errorf("STS refused %s: %s", r.RoleARN, r.Error)
		}
		switch r.RoleARN {
		case planRoleARN:
			plan = append(plan, r)
		case applyRoleARN:
			apply = append(apply, r)
		default:
			t.Errorf("STS was asked for %s", r.RoleARN)
		}
	}
	if len(plan) != 1 || len(apply) != 1 {
		t.Fatalf("%d plan-role and %d apply-role AssumeRole calls, want 1 and 1: %+v", len(plan), len(apply), reqs)
	}
	if plan[0].AccessKeyID != botAWSKeyID || apply[0].AccessKeyID != botAWSKeyID {
		t.Errorf("AssumeRole was not signed with the bot's own key: %s, %s", plan[0].AccessKeyID, apply[0].AccessKeyID)
	}
	wantName := "csocbot-Codertocat-Hello-World-" + strconv.Itoa(e.pr) + "-alice"
	if apply[0].SessionName != wantName {
		t.Errorf("apply session name %q, want %q", apply[0].SessionName, wantName)
	}
	wantTags := []fakests.Tag{{Key: "repo", Value: e.repo}, {Key: "pull_request", Value: strconv.Itoa(e.pr)}, {Key: "user", Value: "alice"}, {Key: "head_sha", Value: e.headSHA}}
	if !reflect.DeepEqual(apply[0].Tags, wantTags) {
		t.Errorf("apply session tags %+v, want %+v", apply[0].Tags, wantTags)
	}
	if !strings.HasPrefix(plan[0].SessionName, "csocbot-Codertocat-Hello-World-"+strconv.Itoa(e.pr)+"-") {
		t.Errorf("plan session name %q", plan[0].SessionName)
	}

	b, err := os.ReadFile(e.envFile)
	if err != nil {
		t.Fatalf("the apply did not run the provisioner: %v", err)
	}
	env := readEnv(b)
	issued := apply[0].Issued
	for name, want := range map[string]string{
		"AWS_ACCESS_KEY_ID":     issued.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY": issued.SecretAccessKey,
		"AWS_SESSION_TOKEN":     issued.SessionToken,
	} {
		if env[name] != want {
			t.Errorf("terraform's %s = %q, want the apply role's %q", name, env[name], want)
		}
	}
	secrets := map[string]string{
		"the GitHub token": gitToken, "the test config's token": "ghp_test", "the webhook secret": testSecret,
		"the bot's AWS key id": botAWSKeyID, "the bot's AWS secret": botAWSSecret,
		"the plan role's key id": plan[0].Issued.AccessKeyID, "the plan role's secret": plan[0].Issued.SecretAccessKey,
		"the plan role's token": plan[0].Issued.SessionToken,
	}
	for what, s := range secrets {
		if strings.Contains(string(b), s) {
			t.Errorf("terraform's environment at apply holds %s", what)
		}
	}

	// No credential in a comment, a status or the audit log.
	minted := map[string]string{}
	for _, r := range reqs {
		minted[r.RoleARN+" key id"] = r.Issued.AccessKeyID
		minted[r.RoleARN+" secret"] = r.Issued.SecretAccessKey
		minted[r.RoleARN+" token"] = r.Issued.SessionToken
	}
	minted["the bot's AWS secret"] = botAWSSecret
	var texts []string
	for _, c := range e.gh.Comments(e.repo, e.pr) {
		texts = append(texts, "comment: "+c.Body)
	}
	for _, sha := range []string{e.headSHA} {
		for _, s := range e.gh.Statuses(e.repo, sha) {
			texts = append(texts, "status "+s.Context+": "+s.Description)
		}
	}
	entries, err := e.st.Audit(context.Background(), store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var roles []string
	for _, a := range entries {
		b, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		texts = append(texts, "audit: "+string(b))
		if a.Action == "apply_finished" && a.Unit == credsRoot {
			roles = append(roles, a.RoleARN+":"+a.Outcome)
		}
	}
	for _, text := range texts {
		for what, s := range minted {
			if s != "" && strings.Contains(text, s) {
				t.Errorf("%s shows %s:\n%.300s", strings.SplitN(text, ":", 2)[0], what, text)
			}
		}
	}
	if strings.Join(roles, " ") != applyRoleARN+":ok" {
		t.Errorf("audited applies of %s: %v, want one with the apply role", credsRoot, roles)
	}
}

// TestEndToEndApplyRefusedByAssumeRole: STS refuses the apply role, so
// the reply says the credentials could not be obtained, naming the role
// and what AWS answered, nothing is applied and the audit log says so.
func TestEndToEndApplyRefusedByAssumeRole(t *testing.T) {
	e := newCredsE2E(t)
	e.sts.Deny(applyRoleARN)
	e.start()
	e.planAndApprove()
	e.deliverComment("alice", "csocbot apply -u "+credsRoot)
	e.waitFor("the refusal", func() bool { return strings.Contains(lastReply(e.e2e, "alice"), "credentials") })
	reply := lastReply(e.e2e, "alice")
	for _, want := range []string{"could not get the credentials to apply", "nothing was applied", applyRoleARN, "AccessDenied"} {
		if !strings.Contains(reply, want) {
			t.Errorf("reply lacks %q:\n%s", want, reply)
		}
	}
	if e.commentSaying("csocbot apply of") != "" {
		t.Error("an apply report was posted")
	}
	if _, err := os.Stat(e.envFile); err == nil {
		t.Error("the root was applied without credentials")
	}
	ctx := context.Background()
	runs, _ := e.st.Runs(ctx, e.repo, e.pr, e.headSHA)
	for _, r := range runs {
		if r.Unit == credsRoot && r.State != store.RunPlanned {
			t.Errorf("the root's run is %s, want still planned", r.State)
		}
	}
	entries, err := e.st.Audit(ctx, store.AuditFilter{Repo: e.repo, PR: e.pr})
	if err != nil {
		t.Fatal(err)
	}
	var refusals int
	for _, a := range entries {
		switch {
		case a.Action == "apply_started" || a.Action == "apply_finished":
			t.Errorf("audit records an apply: %+v", a)
		case a.Action == "refusal" && strings.Contains(a.Detail, applyRoleARN) && strings.Contains(a.Detail, "AccessDenied"):
			refusals++
		}
	}
	if refusals != 1 {
		t.Errorf("%d audited refusals naming the role and AccessDenied, want 1", refusals)
	}
}

// TestEndToEndConcurrentApplyCommentsApplyOnce delivers two apply
// comments back to back to a server with two workers: the unit is applied
// once, and the other command says there is nothing left to apply.
func TestEndToEndConcurrentApplyCommentsApplyOnce(t *testing.T) {
	state := t.TempDir()
	e := newE2EWith(t, e2eOptions{
		config: "apply: {enabled: true, requirements: [approved, fresh_plan]}\n" +
			"terragrunt:\n  env:\n    CSOCBOT_STATE_DIR: " + state + "\n",
		sealer: testKeys(t),
	})
	e.srv.cfg.Workers = 2
	e.gh.SetPermission(e.repo, "alice", "write")
	e.start()
	e.planAndApprove()

	first := e.postComment("alice", "csocbot apply -u "+vpc)
	second := e.postComment("alice", "csocbot apply -u "+vpc)
	ctx := context.Background()
	for _, id := range []int64{first, second} {
		e.waitFor("the comment jobs", func() bool {
			j, err := e.st.GetJob(ctx, id)
			return err == nil && j.State == store.JobDone
		})
	}
	e.waitFor("both apply jobs to end", func() bool {
		jobs, err := e.st.ListJobs(ctx, store.JobFilter{Key: prKey(e.repo, e.pr)})
		if err != nil {
			return false
		}
		n := 0
		for _, j := range jobs {
			if j.Kind != store.KindApply {
				continue
			}
			if j.State == store.JobQueued || j.State == store.JobRunning {
				return false
			}
			n++
		}
		return n == 2
	})
	var reports, nothingLeft int
	for _, c := range e.gh.Comments(e.repo, e.pr) {
		switch {
		case !strings.HasPrefix(c.Body, "@alice:") && !strings.Contains(c.Body, "csocbot apply of"):
			// the plan comment, the commands
		case strings.Contains(c.Body, "csocbot apply of"):
			reports++
			if !strings.Contains(c.Body, "| `"+vpc+"` | ✅ applied |") {
				t.Errorf("apply report:\n%s", c.Body)
			}
		case strings.Contains(c.Body, "no plan with changes at") && strings.Contains(c.Body, "left to apply"):
			nothingLeft++
		default:
			t.Errorf("unexpected reply:\n%s", c.Body)
		}
	}
	if reports != 1 || nothingLeft != 1 {
		t.Errorf("%d apply reports and %d nothing-left replies, want 1 and 1", reports, nothingLeft)
	}
	entries, err := e.st.Audit(ctx, store.AuditFilter{Repo: e.repo, PR: e.pr, Unit: vpc})
	if err != nil {
		t.Fatal(err)
	}
	var started, finished int
	for _, a := range entries {
		switch {
		case a.Action == "apply_started":
			started++
		case a.Action == "apply_finished" && a.Outcome == "ok":
			finished++
		case a.Action == "apply_finished":
			t.Errorf("audited a failed apply: %+v", a)
		}
	}
	if started != 1 || finished != 1 {
		t.Errorf("audit: %d apply_started and %d apply_finished:ok for the vpc, want 1 and 1", started, finished)
	}
	if b, err := os.ReadFile(filepath.Join(state, vpc, "terraform.tfstate")); err != nil || !strings.Contains(string(b), "10.20.0.0/16") {
		t.Errorf("the vpc's state does not hold the change (%v)", err)
	}
}

// TestEndToEndApplyAfterAPushIsRefused plans and approves a head, then a
// push moves the pull request on without a new plan (autoplan is off):
// the apply refuses for want of a fresh plan, and applies nothing.
func TestEndToEndApplyAfterAPushIsRefused(t *testing.T) {
	state := t.TempDir()
	e := newE2EWith(t, e2eOptions{
		config: "apply: {enabled: true, requirements: [approved, fresh_plan]}\n" +
			"terragrunt:\n  env:\n    CSOCBOT_STATE_DIR: " + state + "\n",
		sealer: testKeys(t),
	})
	e.srv.cfg.Repositories[0].Autoplan = false
	e.gh.SetPermission(e.repo, "alice", "write")
	e.start()
	e.deliverComment("alice", "csocbot plan")
	e.waitFor("the plan comment", func() bool { return len(e.planComments()) > 0 })
	planned := e.headSHA
	e.gh.AddReview(e.repo, e.pr, fakegithub.Review{User: fakegithub.User{Login: "bob"}, State: "APPROVED", CommitID: planned})

	e.commit(func(e *e2e) {
		e.src.Replace("live/gen3-prod/us-east-1/prod/vpc/terragrunt.hcl", "10.20.0.0/16", "10.30.0.0/16")
	})
	plans := e.planJobs()
	post(t, e.srv.Handler(), delivery{event: "pull_request", id: "push-" + e.headSHA, body: fixture(t, "pull_request/synchronize.payload.json", func(m map[string]any) {
		m["number"] = float64(e.pr)
		obj(m, "pull_request", "head")["sha"] = e.headSHA
		obj(m, "pull_request", "base")["ref"] = "main"
	})})
	if n := e.planJobs(); n != plans {
		t.Fatalf("the push queued a plan with autoplan off (%d plan jobs, were %d)", n, plans)
	}
	// Approved at the new head too, so fresh_plan alone stands in the way.
	e.gh.AddReview(e.repo, e.pr, fakegithub.Review{User: fakegithub.User{Login: "bob"}, State: "APPROVED", CommitID: e.headSHA})

	e.deliverComment("alice", "csocbot apply -u "+vpc)
	e.waitFor("the apply job", func() bool { return strings.Contains(lastReply(e, "alice"), "did not apply") })
	reply := lastReply(e, "alice")
	for _, want := range []string{"`fresh_plan`", "no plan at this commit", e.headSHA[:7]} {
		if !strings.Contains(reply, want) {
			t.Errorf("refusal lacks %q:\n%s", want, reply)
		}
	}
	if e.commentSaying("csocbot apply of") != "" {
		t.Error("an apply report was posted")
	}
	if _, err := os.Stat(filepath.Join(state, vpc, "terraform.tfstate")); err == nil {
		t.Error("the vpc was applied from the plan of an older head")
	}
	entries, _ := e.st.Audit(context.Background(), store.AuditFilter{Repo: e.repo, PR: e.pr})
	for _, a := range entries {
		if a.Action == "apply_started" {
			t.Errorf("audit records an apply: %+v", a)
		}
	}
}

package credentials

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awscreds "github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/csocbot/csocbot/config"
	"github.com/csocbot/csocbot/internal/fakests"
)

const (
	planRole  = "arn:aws:iam::123456789012:role/csocbot-plan"
	applyRole = "arn:aws:iam::123456789012:role/csocbot-apply"
	botKeyID  = "AKIABOTEXAMPLE"
	botSecret = "bot-secret-key-value"
)

// botConfig is the bot's own AWS configuration in tests: a static key in
// region, without retries.
func botConfig(region string) aws.Config {
	return aws.Config{
		Region:      region,
		Credentials: awscreds.NewStaticCredentialsProvider(botKeyID, botSecret, ""),
		Retryer:     func() aws.Retryer { return aws.NopRetryer{} },
	}
}

var request = Request{Purpose: Plan, Repo: "csoc/gen3-infra", PR: 42, User: "alice", HeadSHA: "0123456789abcdef0123456789abcdef01234567"}

func TestAssumeRole(t *testing.T) {
	prod := config.CredentialProfile{Name: "prod", Kind: config.CredentialsAssumeRole, PlanRoleARN: planRole, ApplyRoleARN: applyRole,
		ExternalID: "gen3-csoc", Duration: 2 * time.Hour, Region: "us-west-2"}
	minimal := config.CredentialProfile{Name: "minimal", Kind: config.CredentialsAssumeRole, PlanRoleARN: planRole, ApplyRoleARN: applyRole}
	apply := request
	apply.Purpose = Apply
	bot := request
	bot.User = "dependabot[bot]"
	tags := func(user string) []fakests.Tag {
		return []fakests.Tag{{Key: "repo", Value: "csoc/gen3-infra"}, {Key: "pull_request", Value: "42"}, {Key: "user", Value: user}, {Key: "head_sha", Value: request.HeadSHA}}
	}
	for _, tc := range []struct {
		name    string
		profile config.CredentialProfile
		base    string // the bot's own region
		req     Request
		// want is the request STS gets, without what the fake fills in.
		want fakests.Request
		// region is AWS_REGION and AWS_DEFAULT_REGION, "" for neither.
		region string
	}{
		{"plan", prod, "eu-west-1", request, fakests.Request{Region: "us-west-2", RoleARN: planRole, SessionName: "csocbot-csoc-gen3-infra-42-alice",
			ExternalID: "gen3-csoc", DurationSeconds: 7200, Tags: tags("alice")}, "us-west-2"},
		{"apply", prod, "eu-west-1", apply, fakests.Request{Region: "us-west-2", RoleARN: applyRole, SessionName: "csocbot-csoc-gen3-infra-42-alice",
			ExternalID: "gen3-csoc", DurationSeconds: 7200, Tags: tags("alice")}, "us-west-2"},
		{"no external id, duration or region", minimal, "eu-west-1", request, fakests.Request{Region: "eu-west-1", RoleARN: planRole,
			SessionName: "csocbot-csoc-gen3-infra-42-alice", Tags: tags("alice")}, ""},
		{"no region anywhere", minimal, "", request, fakests.Request{Region: "us-east-1", RoleARN: planRole,
			SessionName: "csocbot-csoc-gen3-infra-42-alice", Tags: tags("alice")}, ""},
		{"sanitised", minimal, "eu-west-1", bot, fakests.Request{Region: "eu-west-1", RoleARN: planRole,
			SessionName: "csocbot-csoc-gen3-infra-42-dependabot-bot-", Tags: tags("dependabot_bot_")}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := fakests.New(t)
			start := time.Now()
			creds, err := NewAssumeRole(tc.profile, botConfig(tc.base), fake.URL()).Mint(context.Background(), tc.req)
			if err != nil {
				t.Fatal(err)
			}
			reqs := fake.Requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests to STS", len(reqs))
			}
			got, issued := reqs[0], reqs[0].Issued
			want := tc.want
			want.AccessKeyID, want.Issued = botKeyID, issued
			if !reflect.DeepEqual(got, want) {
				t.Errorf("STS got\n%+v\nwant\n%+v", got, want)
			}
			env := []string{
				"AWS_ACCESS_KEY_ID=" + issued.AccessKeyID,
				"AWS_SECRET_ACCESS_KEY=" + issued.SecretAccessKey,
				"AWS_SESSION_TOKEN=" + issued.SessionToken,
			}
			if tc.region != "" {
				env = []string{env[0], "AWS_DEFAULT_REGION=" + tc.region, "AWS_REGION=" + tc.region, env[1], env[2]}
			}
			if got := creds.Environ(); !reflect.DeepEqual(got, env) {
				t.Errorf("Environ() = %q\nwant %q", got, env)
			}
			if creds.Profile != tc.profile.Name || creds.RoleARN != tc.want.RoleARN || !creds.Expires.Equal(issued.Expiration) {
				t.Errorf("credentials %s, want profile %s, role %s, expiry %s", creds, tc.profile.Name, tc.want.RoleARN, issued.Expiration)
			}
			wantLife := cmp.Or(tc.profile.Duration, time.Hour)
			if life := creds.Expires.Sub(start); life < wantLife-2*time.Second || life > wantLife+time.Second {
				t.Errorf("credentials last %s, want %s", life, wantLife)
			}
		})
	}
}

func TestAssumeRoleFails(t *testing.T) {
	fake := fakests.New(t)
	fake.Deny(planRole)
	unreachable := httptest.NewServer(http.NotFoundHandler())
	unreachable.Close()
	withID := config.CredentialProfile{Name: "prod", Kind: config.CredentialsAssumeRole, PlanRoleARN: planRole, ApplyRoleARN: applyRole, ExternalID: "gen3-csoc"}
	withoutID := withID
	withoutID.ExternalID = ""
	anonymous := botConfig("us-east-1")
	anonymous.Credentials = aws.AnonymousCredentials{}
	for _, tc := range []struct {
		name     string
		profile  config.CredentialProfile
		base     aws.Config
		endpoint string
		code     string
		want     string
	}{
		{"denied", withoutID, botConfig("us-east-1"), fake.URL(), "AccessDenied",
			"credentials profile prod: could not assume the plan role " + planRole + ": AWS STS answered AccessDenied: User: " + fakests.Caller +
				" is not authorized to perform: sts:AssumeRole on resource: " + planRole + ". Check that the role's trust policy lets csocbot's identity " +
				"call sts:AssumeRole and sts:TagSession (csocbot tags every session), and that it does not require an external id (sts:ExternalId), " +
				"as the profile sets none (external_id)."},
		{"denied with an external id", withID, botConfig("us-east-1"), fake.URL(), "AccessDenied",
			"and that the external id it requires (sts:ExternalId) is the profile's external_id."},
		{"bot without credentials", withID, anonymous, fake.URL(), "MissingAuthenticationToken",
			"credentials profile prod: could not assume the plan role " + planRole + ": AWS STS answered MissingAuthenticationToken: Request is missing " +
				"Authentication Token. AWS refused csocbot's own credentials: check its identity (IRSA web identity on EKS, or the AWS_* environment variables of the csocbot process)."},
		{"unreachable", withID, botConfig("us-east-1"), unreachable.URL, "",
			"connection refused. Check that csocbot has AWS credentials of its own (IRSA web identity on EKS, or AWS_* environment variables) and can reach STS."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			creds, err := NewAssumeRole(tc.profile, tc.base, tc.endpoint).Mint(context.Background(), request)
			if err == nil {
				t.Fatalf("no error; credentials %s", creds)
			}
			if creds.Environ() != nil || creds.RoleARN != "" {
				t.Errorf("credentials came with the error: %s", creds)
			}
			assumeErr, ok := errors.AsType[*AssumeRoleError](err)
			if !ok {
				t.Fatalf("error %T %v, want an *AssumeRoleError", err, err)
			}
			if assumeErr.Code != tc.code || assumeErr.RoleARN != planRole || assumeErr.Purpose != Plan || assumeErr.Profile != "prod" {
				t.Errorf("error %+v", assumeErr)
			}
			if msg := err.Error(); !strings.HasSuffix(msg, tc.want) || !strings.HasPrefix(msg, "credentials profile prod: could not assume the plan role "+planRole+": ") {
				t.Errorf("error:\n%s\nwant it to end:\n%s", msg, tc.want)
			}
			if strings.Contains(err.Error(), botSecret) {
				t.Errorf("the error shows the bot's secret key: %s", err)
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := NewAssumeRole(withID, botConfig("us-east-1"), fake.URL()).Mint(ctx, request)
	if !errors.Is(err, context.Canceled) || strings.Contains(err.Error(), "Check") {
		t.Errorf("cancelled: %v", err)
	}
	// The apply role is not denied.
	apply := request
	apply.Purpose = Apply
	if _, err := NewAssumeRole(withID, botConfig("us-east-1"), fake.URL()).Mint(context.Background(), apply); err != nil {
		t.Errorf("apply: %v", err)
	}
}

func TestAssumeRoleDurationRefused(t *testing.T) {
	// A role assumed by a role (IRSA's, for one) may last an hour at most:
	// STS refuses a longer session with this message.
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>ValidationError</Code>`+
			`<Message>The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.</Message></Error><RequestId>r</RequestId></ErrorResponse>`)
	}))
	t.Cleanup(fake.Close)
	profile := config.CredentialProfile{Name: "prod", Kind: config.CredentialsAssumeRole, PlanRoleARN: planRole, ApplyRoleARN: applyRole, Duration: 2 * time.Hour}
	_, err := NewAssumeRole(profile, botConfig("us-east-1"), fake.URL).Mint(context.Background(), request)
	want := "AWS STS answered ValidationError: The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining. " +
		"The profile's duration (2h) is more than the role allows: lower it, or raise the role's maximum session duration " +
		"(at most 1h is allowed when csocbot's own identity is itself an assumed role)."
	if err == nil || !strings.HasSuffix(err.Error(), want) {
		t.Errorf("error:\n%v\nwant it to end:\n%s", err, want)
	}
}

var sessionNameRE = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)

func TestSessionName(t *testing.T) {
	long := strings.Repeat("r", 100)
	login := strings.Repeat("u", 39)
	for _, tc := range []struct {
		repo string
		pr   int
		user string
		want string
	}{
		{"csoc/gen3-infra", 42, "alice", "csocbot-csoc-gen3-infra-42-alice"},
		{"csoc/gen3.infra_v2", 7, "renovate[bot]", "csocbot-csoc-gen3.infra_v2-7-renovate-bot-"},
		{"csoc/ünïcode", 1, "bob", "csocbot-csoc--n-code-1-bob"},
		// A long repository is shortened and a hash of the whole name
		// keeps it apart from others.
		{"csoc/" + long, 42, "alice", "csocbot-csoc-" + strings.Repeat("r", 33) + "-" + hash("csocbot-csoc-"+long+"-42-alice") + "-42-alice"},
		{"csoc/" + long + "x", 42, "alice", "csocbot-csoc-" + strings.Repeat("r", 33) + "-" + hash("csocbot-csoc-"+long+"x-42-alice") + "-42-alice"},
		// With a long login too, the name's end goes.
		{"csoc/" + long, 123456, login, ("csocbot-csoc-" + long)[:55] + "-" + hash("csocbot-csoc-"+long+"-123456-"+login)},
		{"a/b", 1, "c", "csocbot-a-b-1-c"},
	} {
		req := Request{Repo: tc.repo, PR: tc.pr, User: tc.user}
		got := SessionName(req)
		if got != tc.want {
			t.Errorf("SessionName(%s, %d, %s) = %q, want %q", tc.repo, tc.pr, tc.user, got, tc.want)
		}
		if !sessionNameRE.MatchString(got) {
			t.Errorf("SessionName(%s, %d, %s) = %q, which STS refuses", tc.repo, tc.pr, tc.user, got)
		}
	}
}

// hash is what a shortened session name keeps of the whole name's.
func hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:4])
}

// TestSessionLimits sends the longest names and values to the fake, which
// checks them as STS does.
func TestSessionLimits(t *testing.T) {
	fake := fakests.New(t)
	profile := config.CredentialProfile{Name: "prod", Kind: config.CredentialsAssumeRole, PlanRoleARN: planRole, ApplyRoleARN: applyRole}
	req := Request{Purpose: Plan, Repo: "csoc/" + strings.Repeat("r", 100), PR: 1 << 30, User: strings.Repeat("ü", 300) + "[bot]", HeadSHA: strings.Repeat("f", 64)}
	if _, err := NewAssumeRole(profile, botConfig("us-east-1"), fake.URL()).Mint(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	sent := fake.Requests()[0]
	if len(sent.SessionName) != 64 {
		t.Errorf("session name %q", sent.SessionName)
	}
	if user := sent.Tags[2]; user.Key != "user" || user.Value != strings.Repeat("ü", 256) {
		t.Errorf("user tag %+v", user)
	}
}

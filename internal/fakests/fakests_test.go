package fakests_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awscreds "github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"

	"github.com/csocbot/csocbot/internal/fakests"
)

const role = "arn:aws:iam::123456789012:role/ops/csocbot-plan"

// client is an STS client of the SDK talking to fake, signing with a
// static key in region.
func client(fake *fakests.Server, provider aws.CredentialsProvider, region string) *sts.Client {
	return sts.New(sts.Options{
		Region:       region,
		Credentials:  provider,
		BaseEndpoint: aws.String(fake.URL()),
		Retryer:      aws.NopRetryer{},
	})
}

var botKey = awscreds.NewStaticCredentialsProvider("AKIABOTEXAMPLE", "bot-secret", "")

func TestAssumeRole(t *testing.T) {
	fake := fakests.New(t)
	start := time.Now()
	out, err := client(fake, botKey, "eu-west-1").AssumeRole(context.Background(), &sts.AssumeRoleInput{
		RoleArn:         aws.String(role),
		RoleSessionName: aws.String("csocbot-csoc-infra-7-alice"),
		ExternalId:      aws.String("gen3-csoc"),
		DurationSeconds: aws.Int32(900),
		Tags: []types.Tag{
			{Key: aws.String("repo"), Value: aws.String("csoc/infra")},
			{Key: aws.String("user"), Value: aws.String("alice")},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	reqs := fake.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests recorded", len(reqs))
	}
	got := reqs[0]
	issued := got.Issued
	want := fakests.Request{
		AccessKeyID: "AKIABOTEXAMPLE", Region: "eu-west-1", RoleARN: role, SessionName: "csocbot-csoc-infra-7-alice",
		ExternalID: "gen3-csoc", DurationSeconds: 900, Tags: []fakests.Tag{{Key: "repo", Value: "csoc/infra"}, {Key: "user", Value: "alice"}}, Issued: issued,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("request\n got %+v\nwant %+v", got, want)
	}
	c := out.Credentials
	if aws.ToString(c.AccessKeyId) != issued.AccessKeyID || aws.ToString(c.SecretAccessKey) != issued.SecretAccessKey ||
		aws.ToString(c.SessionToken) != issued.SessionToken || !aws.ToTime(c.Expiration).Equal(issued.Expiration) {
		t.Errorf("the SDK read %+v, the fake issued %+v", c, issued)
	}
	if !strings.HasPrefix(issued.AccessKeyID, "ASIA") || len(issued.SecretAccessKey) != 40 || issued.SessionToken == "" {
		t.Errorf("issued %+v", issued)
	}
	if d := issued.Expiration.Sub(start); d < 899*time.Second || d > 901*time.Second {
		t.Errorf("expires in %s, want 15m", d)
	}
	if got, want := aws.ToString(out.AssumedRoleUser.Arn), "arn:aws:sts::123456789012:assumed-role/csocbot-plan/csocbot-csoc-infra-7-alice"; got != want {
		t.Errorf("assumed role user %q, want %q", got, want)
	}
}

func TestErrors(t *testing.T) {
	fake := fakests.New(t)
	fake.Deny(role)
	for _, tc := range []struct {
		name     string
		provider aws.CredentialsProvider
		in       sts.AssumeRoleInput
		code     string
		message  string
	}{
		{"denied", botKey, sts.AssumeRoleInput{RoleArn: aws.String(role), RoleSessionName: aws.String("s1")},
			"AccessDenied", "User: " + fakests.Caller + " is not authorized to perform: sts:AssumeRole on resource: " + role},
		{"unsigned", aws.AnonymousCredentials{}, sts.AssumeRoleInput{RoleArn: aws.String(role), RoleSessionName: aws.String("s1")},
			"MissingAuthenticationToken", "Request is missing Authentication Token"},
		{"session name", botKey, sts.AssumeRoleInput{RoleArn: aws.String(role + "x"), RoleSessionName: aws.String("csoc/infra")},
			"ValidationError", `1 validation error detected: Value 'csoc/infra' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]*`},
		{"several", botKey, sts.AssumeRoleInput{RoleArn: aws.String(role + "x"), RoleSessionName: aws.String(strings.Repeat("s", 65)), DurationSeconds: aws.Int32(43201),
			ExternalId: aws.String("a b"), Tags: []types.Tag{{Key: aws.String("user"), Value: aws.String("bot[bot]")}}},
			"ValidationError", "4 validation errors detected: Value '" + strings.Repeat("s", 65) + "' at 'roleSessionName' failed to satisfy constraint: Member must have length between 2 and 64; " +
				"Value 'a b' at 'externalId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@:\\/-]*; " +
				"Value '43201' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200; " +
				"Value 'bot[bot]' at 'tags.1.member.value' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*"},
		{"duplicate tags", botKey, sts.AssumeRoleInput{RoleArn: aws.String(role + "x"), RoleSessionName: aws.String("s1"),
			Tags: []types.Tag{{Key: aws.String("user"), Value: aws.String("a")}, {Key: aws.String("User"), Value: aws.String("b")}}},
			"InvalidParameterValue", "Duplicate tag keys found. Please note that Tag keys are case insensitive."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := client(fake, tc.provider, "us-east-1").AssumeRole(context.Background(), &tc.in)
			apiErr, ok := errors.AsType[smithy.APIError](err)
			if !ok {
				t.Fatalf("AssumeRole = %+v, %v; want an API error", out, err)
			}
			if apiErr.ErrorCode() != tc.code || apiErr.ErrorMessage() != tc.message {
				t.Errorf("error %s: %s\nwant %s: %s", apiErr.ErrorCode(), apiErr.ErrorMessage(), tc.code, tc.message)
			}
			reqs := fake.Requests()
			if last := reqs[len(reqs)-1]; last.Error != tc.code || last.Issued != (fakests.Credentials{}) {
				t.Errorf("recorded %+v", last)
			}
		})
	}
}

// TestWire checks the fake's answers byte for byte where STS's shape
// matters, without the SDK.
func TestWire(t *testing.T) {
	fake := fakests.New(t)
	post := func(form url.Values, auth string) (int, string) {
		req, err := http.NewRequest(http.MethodPost, fake.URL(), strings.NewReader(form.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		if resp.Header.Get("x-amzn-RequestId") == "" || resp.Header.Get("Content-Type") != "text/xml" {
			t.Errorf("headers %v", resp.Header)
		}
		return resp.StatusCode, string(body)
	}
	const auth = "AWS4-HMAC-SHA256 Credential=AKIAWIRE/20261203/us-west-2/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=00"
	form := url.Values{"Action": {"AssumeRole"}, "Version": {"2011-06-15"}, "RoleArn": {role}, "RoleSessionName": {"wire"}}

	status, body := post(form, auth)
	issued := fake.Requests()[0].Issued
	for _, want := range []string{
		`<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/csocbot-plan/wire</Arn><AssumedRoleId>AROA`,
		":wire</AssumedRoleId></AssumedRoleUser><Credentials><AccessKeyId>" + issued.AccessKeyID + "</AccessKeyId><SecretAccessKey>" + issued.SecretAccessKey +
			"</SecretAccessKey><SessionToken>" + issued.SessionToken + "</SessionToken><Expiration>" + issued.Expiration.Format(time.RFC3339) + "</Expiration></Credentials>",
		"</AssumeRoleResult><ResponseMetadata><RequestId>",
	} {
		if status != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("answer %d %s\nwant it to contain %s", status, body, want)
		}
	}

	for _, tc := range []struct {
		name, auth string
		form       url.Values
		status     int
		error      string
	}{
		{"unsigned", "", form, http.StatusForbidden, "<Error><Type>Sender</Type><Code>MissingAuthenticationToken</Code><Message>Request is missing Authentication Token</Message></Error>"},
		{"no credential scope", "AWS4-HMAC-SHA256 Signature=00", form, http.StatusBadRequest, "<Code>IncompleteSignature</Code>"},
		{"other action", auth, url.Values{"Action": {"GetCallerIdentity"}, "Version": {"2011-06-15"}}, http.StatusBadRequest,
			"<Code>InvalidAction</Code><Message>Could not find operation GetCallerIdentity for version 2011-06-15</Message>"},
		{"no role", auth, url.Values{"Action": {"AssumeRole"}, "Version": {"2011-06-15"}, "RoleSessionName": {"s1"}}, http.StatusBadRequest,
			"<Code>ValidationError</Code><Message>1 validation error detected: Value &#39;null&#39; at &#39;roleArn&#39; failed to satisfy constraint: Member must not be null</Message>"},
	} {
		status, body := post(tc.form, tc.auth)
		if status != tc.status || !strings.HasPrefix(body, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+`<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">`) || !strings.Contains(body, tc.error) {
			t.Errorf("%s: answer %d %s\nwant %d with %s", tc.name, status, body, tc.status, tc.error)
		}
	}
}

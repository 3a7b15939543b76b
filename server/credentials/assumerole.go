package credentials

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"

	"github.com/csocbot/csocbot/config"
)

// STS's limits on session names and tag values.
const (
	maxSessionName = 64
	maxTagValue    = 256
	// sessionHash is how many hex digits of a hash of the whole name a
	// shortened session name keeps, so that two long names still differ.
	sessionHash = 8
)

// AssumeRole is a profile of kind aws_assume_role: each run gets a session
// of the profile's plan or apply role, assumed with the bot's own
// credentials, named after and tagged with the run's request.
type AssumeRole struct {
	profile config.CredentialProfile
	client  *sts.Client
}

// NewAssumeRole makes an aws_assume_role profile that calls STS with base,
// the bot's own AWS configuration, at endpoint ("" for STS's own), in the
// profile's region, else base's, else us-east-1.
func NewAssumeRole(p config.CredentialProfile, base aws.Config, endpoint string) *AssumeRole {
	client := sts.NewFromConfig(base, func(o *sts.Options) {
		o.Region = cmp.Or(p.Region, base.Region, "us-east-1")
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	})
	return &AssumeRole{profile: p, client: client}
}

// Mint assumes the plan role for a plan and the apply role for an apply.
// The variables are AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
// AWS_SESSION_TOKEN and, when the profile names a region, AWS_REGION and
// AWS_DEFAULT_REGION. A failure to assume the role is an *AssumeRoleError.
func (a *AssumeRole) Mint(ctx context.Context, req Request) (Credentials, error) {
	if err := req.check(); err != nil {
		return Credentials{}, err
	}
	role := a.profile.PlanRoleARN
	if req.Purpose == Apply {
		role = a.profile.ApplyRoleARN
	}
	in := &sts.AssumeRoleInput{
		RoleArn:         aws.String(role),
		RoleSessionName: aws.String(SessionName(req)),
		Tags:            sessionTags(req),
	}
	if a.profile.ExternalID != "" {
		in.ExternalId = aws.String(a.profile.ExternalID)
	}
	if d := a.profile.Duration; d > 0 {
		in.DurationSeconds = aws.Int32(int32(d.Seconds()))
	}
	out, err := a.client.AssumeRole(ctx, in)
	if err != nil {
		return Credentials{}, a.failure(req.Purpose, role, err)
	}
	c := out.Credentials
	if c == nil || c.AccessKeyId == nil || c.SecretAccessKey == nil || c.SessionToken == nil || c.Expiration == nil {
		return Credentials{}, a.failure(req.Purpose, role, errors.New("STS answered without complete credentials"))
	}
	vars := []variable{
		{"AWS_ACCESS_KEY_ID", *c.AccessKeyId},
		{"AWS_SECRET_ACCESS_KEY", *c.SecretAccessKey},
		{"AWS_SESSION_TOKEN", *c.SessionToken},
	}
	if r := a.profile.Region; r != "" {
		vars = append(vars, variable{"AWS_REGION", r}, variable{"AWS_DEFAULT_REGION", r})
	}
	return newCredentials(a.profile.Name, role, *c.Expiration, vars), nil
}

// failure describes a failed AssumeRole, with what AWS said when it said
// something.
func (a *AssumeRole) failure(purpose Purpose, role string, err error) *AssumeRoleError {
	e := &AssumeRoleError{Profile: a.profile.Name, Purpose: purpose, RoleARN: role, Err: err}
	if apiErr, ok := errors.AsType[smithy.APIError](err); ok {
		e.Code, e.Message = apiErr.ErrorCode(), apiErr.ErrorMessage()
	}
	e.hint = a.hint(e)
	return e
}

// hint says what to do about a failure, "" when there is nothing to say.
func (a *AssumeRole) hint(e *AssumeRoleError) string {
	switch e.Code {
	case "":
		if errors.Is(e.Err, context.Canceled) || errors.Is(e.Err, context.DeadlineExceeded) {
			return "" // the run was stopped, or took too long
		}
		return "Check that csocbot has AWS credentials of its own (IRSA web identity on EKS, or AWS_* environment variables) and can reach STS."
	case "AccessDenied":
		externalID := "and that it does not require an external id (sts:ExternalId), as the profile sets none (external_id)"
		if a.profile.ExternalID != "" {
			externalID = "and that the external id it requires (sts:ExternalId) is the profile's external_id"
		}
		return "Check that the role's trust policy lets csocbot's identity call sts:AssumeRole and sts:TagSession (csocbot tags every session), " + externalID + "."
	case "ValidationError":
		if strings.Contains(e.Message, "DurationSeconds") {
			return fmt.Sprintf("The profile's duration (%s) is more than the role allows: lower it, or raise the role's maximum session duration (at most 1h is allowed when csocbot's own identity is itself an assumed role).", shortDuration(a.profile.Duration))
		}
		return "Check the profile's role ARN and external_id."
	case "RegionDisabledException":
		return "Activate STS in the region for the role's account (IAM account settings), or set the profile's region to one where it is active."
	case "InvalidClientTokenId", "SignatureDoesNotMatch", "MissingAuthenticationToken", "IncompleteSignature", "ExpiredToken", "ExpiredTokenException", "UnrecognizedClientException":
		return "AWS refused csocbot's own credentials: check its identity (IRSA web identity on EKS, or the AWS_* environment variables of the csocbot process)."
	}
	return ""
}

// shortDuration writes d without zero minutes and seconds: 2h rather than
// 2h0m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// AssumeRoleError is a failed AssumeRole. Its message, written to be shown
// in a pull request comment, names the profile, the role and what AWS said
// (its error code and message), says what to do, and holds no credentials.
type AssumeRoleError struct {
	Profile string
	Purpose Purpose
	RoleARN string
	// Code and Message are AWS's error code and message, "" when STS did
	// not answer with an error (such as when it could not be reached).
	Code    string
	Message string
	// Err is the SDK's error.
	Err  error
	hint string
}

func (e *AssumeRoleError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "credentials profile %s: could not assume the %s role %s: ", e.Profile, e.Purpose, e.RoleARN)
	if e.Code != "" {
		fmt.Fprintf(&b, "AWS STS answered %s", e.Code)
		if e.Message != "" {
			b.WriteString(": " + e.Message)
		}
	} else {
		b.WriteString(e.Err.Error())
	}
	if e.hint != "" {
		if !strings.HasSuffix(b.String(), ".") {
			b.WriteString(".")
		}
		b.WriteString(" " + e.hint)
	}
	return b.String()
}

func (e *AssumeRoleError) Unwrap() error { return e.Err }

// SessionName is the role session name of req's runs:
// csocbot-<repo>-<pr>-<user>, with every character STS does not allow
// ([\w+=,.@-]) written as "-", at most 64 characters. A longer name has
// its repository shortened, or if need be its end, and a hash of the whole
// name in its place, so that different runs keep different names.
func SessionName(req Request) string {
	sanitize := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r < utf8.RuneSelf && (r == '_' || r == '+' || r == '=' || r == ',' || r == '.' || r == '@' || r == '-' || unicode.IsLetter(r) || unicode.IsDigit(r)) {
				return r
			}
			return '-'
		}, s)
	}
	head := sanitize("csocbot-" + req.Repo)
	tail := sanitize("-" + strconv.Itoa(req.PR) + "-" + req.User)
	name := head + tail
	if len(name) <= maxSessionName {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	hash := "-" + hex.EncodeToString(sum[:])[:sessionHash]
	if keep := maxSessionName - len(hash) - len(tail); keep >= len("csocbot-")+4 {
		return head[:keep] + hash + tail
	}
	return name[:maxSessionName-len(hash)] + hash
}

// sessionTags are the session tags of req's runs, whose values are
// shortened to 256 characters and have every character STS does not allow
// written as "_".
func sessionTags(req Request) []types.Tag {
	tag := func(key, value string) types.Tag {
		value = strings.Map(func(r rune) rune {
			if unicode.In(r, unicode.L, unicode.Z, unicode.N) || strings.ContainsRune("_.:/=+-@", r) {
				return r
			}
			return '_'
		}, value)
		if r := []rune(value); len(r) > maxTagValue {
			value = string(r[:maxTagValue])
		}
		return types.Tag{Key: aws.String(key), Value: aws.String(value)}
	}
	return []types.Tag{
		tag("repo", req.Repo),
		tag("pull_request", strconv.Itoa(req.PR)),
		tag("user", req.User),
		tag("head_sha", req.HeadSHA),
	}
}

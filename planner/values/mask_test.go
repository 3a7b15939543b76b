package values

import (
	"reflect"
	"strings"
	"testing"
)

// TestIsSecretKey lists keys of the Gen3 charts (gen3-helm/helm/*/values.yaml)
// and gitops values (uc-cdis/gen3-gitops) that contain secret, password,
// token, key, credentials, webhook or dsn.
func TestIsSecretKey(t *testing.T) {
	secret := []string{
		"password", "Password", "AdminPassword", "atlasDbPassword", "jobPassword", "metadataservicePassword",
		"INDEXD_PASSWORD", "indexd_password", "smtp_password", "CI_TEST_RAS_PASSWORD",
		"Secret", "secret", "secrets", "client_secret", "oidc_client_secret", "OidcClientSecret",
		"SecretKey", "WTF_CSRF_SECRET_KEY", "awsSecretAccessKey", "awssecretkey", "s3SecretAccessKey", "userYamlS3SecretAccessKey",
		"AccessKey", "awsAccessKeyId", "awsAccessKeyID", "awsaccesskey", "s3AccessKeyId", "userYamlS3AccessKeyId",
		"token", "EG_AUTH_TOKEN", "DATADOG_CLIENT_TOKEN", "CI_SLACK_BOT_TOKEN",
		"api_key", "apiKey", "cedarAPIKey", "GOOGLE_API_KEY", "ENCRYPTION_KEY", "decrypt_key", "gh_key",
		"STORAGE_CREDENTIALS", "AWS_CREDENTIALS", "AZ_BLOB_CREDENTIALS", "GOOGLE_APPLICATION_CREDENTIALS", "ssjcreds",
		"slack_webhook", "slackWebhook", "webhook", "slackWebhookUrl",
		"dsn", "postgres_dsn", "connectionString", "private_key", "privateKey", "DB_PWD", "pass",
	}
	notSecret := []string{
		// names of and pointers to secrets
		"secretName", "localSecretName", "slackWebhookSecretName", "appDsnSecretName", "secretTargetName",
		"existingSecret", "externalSecret", "externalSecrets", "external-secrets", "externalSecretAwsCreds",
		"secretKeyRef", "postgresDsnSecretRef", "clusterSecretStoreRef", "imagePullSecrets",
		"fenceGoogleAppCredsSecret", "fenceGoogleStorageCredsSecret", "googleCredsSecret", "awsCredsSecret",
		"dcfDataserviceSettingsSecret", "auroraMasterSecret", "envFromSecret", "localSecretNamespace",
		"gen3SecretsFolder", "secretStoreServiceAccount", "separateSecretStore", "CredentialsFile",
		// switches
		"createK8sFenceConfigSecret", "createK8sJwtKeysSecret", "createSlackWebhookSecret", "createLocalK8sSecret",
		"createWtsOidcClientSecret", "useLocalSecret", "pushSecret", "writeToK8sSecret", "writeToAwsSecret",
		"pushFunnelOidcClientToExternalSecrets", "automountServiceAccountToken", "mutatingWebhook",
		// settings about secrets
		"ACCESS_TOKEN_COOKIE_NAME", "ACCESS_TOKEN_EXPIRES_IN", "REFRESH_TOKEN_EXPIRES_IN", "OAUTH2_TOKEN_EXPIRES_IN",
		"MAX_ACCESS_TOKEN_TTL", "MAX_API_KEY_TTL", "RENEW_ACCESS_TOKEN_BEFORE_EXPIRATION", "TOKEN_PROJECTS_CUTOFF",
		"token_endpoint", "access_token_url", "refresh_token_url", "origins_allow_credentials",
		"BILLING_PROJECT_FOR_SA_CREDS", "IndexConnectionsCount",
		// other keys
		"key", "Key", "KMSKey", "topologyKey", "lastRunKey", "pendingKey", "SIEM_VIEWS_S3_KEY", "bypass",
		"tag", "enabled", "hostname", "logo", "",
	}
	for _, k := range secret {
		if !IsSecretKey(k) {
			t.Errorf("IsSecretKey(%q) = false, want true", k)
		}
	}
	for _, k := range notSecret {
		if IsSecretKey(k) {
			t.Errorf("IsSecretKey(%q) = true, want false", k)
		}
	}
}

// TestMaskCorpusPaths checks real corpus paths with a non-empty value set,
// as a values file would set it.
func TestMaskCorpusPaths(t *testing.T) {
	tests := []struct {
		path   string // where the key is in the corpus
		masked bool
	}{
		{"global.postgres.master.password", true},                            // gen3-helm/helm/*/values.yaml
		{"FENCE_CONFIG.dbGaP[0].info.password", true},                        // fence
		{"FENCE_CONFIG.OPENID_CONNECT.generic_oidc_idp.client_secret", true}, // fence
		{"FENCE_CONFIG.ENCRYPTION_KEY", true},                                // fence
		{`FENCE_CONFIG.GUN_MAIL["datacommons.io"].smtp_password`, true},      // fence
		{"FENCE_CONFIG.STORAGE_CREDENTIALS.google.google_project_id", true},  // ci/default/values/fence.yaml
		{"secrets.awsSecretAccessKey", true},                                 // fence, wts
		{"secrets.apiKey", true},                                             // cedar
		{"secrets.cedarDirectoryId", true},                                   // cedar: inside secrets
		{"global.aws.awsAccessKeyId", true},                                  // all charts
		{"usersync.slack_webhook", true},                                     // fence
		{"global.slackWebhook", true},                                        // gen3
		{"slack.webhook", true},                                              // data-upload-cron
		{"Plugins.Params.OidcClientSecret", true},                            // funnel
		{"AmazonS3.AWSConfig.Secret", true},                                  // funnel
		{"S3Storage.SecretKey", true},                                        // orthanc
		{"ssjdispatcher.ssjcreds.jobPassword", true},                         // ci/default/values/ssjdispatcher.yaml
		{"gh_key", true},                                                     // access-backend
		{"global.tls.key", true},                                             // revproxy
		{"env.DATADOG_CLIENT_TOKEN", true},                                   // frontend-framework
		{"ssjdispatcher.ssjcreds.sqsUrl", false},                             // a URL inside credentials
		{"global.externalSecrets.slackWebhookSecretName", false},             // midrcprod values
		{"global.postgres.externalSecret", false},                            // unfunded values
		{"global.aws.externalSecrets.externalSecretAwsCreds", false},         // ci values
		{"global.aws.useLocalSecret.localSecretName", false},                 // unfunded values
		{"indexd.externalSecrets.dbcreds", false},                            // unfunded values
		{"indexd.externalSecrets.serviceCreds", false},                       // unfunded values
		{"fence.externalSecrets.fenceGoogleAppCredsSecret", false},           // ci fence values
		{"externalSecrets.cedarAPIKey", false},                               // cedar
		{"awsCredsSecret.secretKey", false},                                  // data-upload-cron: a key in a Secret
		{"awsCredsSecret.accessKey", false},                                  // data-upload-cron
		{"volumes[0].secret.secretName", false},                              // fence
		{"env[5].valueFrom.secretKeyRef.key", false},                         // fence
		{"searchAuthProxy.postgresDsnSecretRef.key", false},                  // vectis-overlays
		{"imagePullSecrets[0].name", false},                                  // charts
		{"auroraRdsCopyJob.auroraMasterSecret", false},                       // gen3
		{"mutatingWebhook.image", false},                                     // gen3
		{"fence.FENCE_CONFIG_PUBLIC.ACCESS_TOKEN_COOKIE_NAME", false},        // ci fence values
		{"fence.FENCE_CONFIG_PUBLIC.MAX_ACCESS_TOKEN_TTL", false},            // ci fence values
		{"FENCE_CONFIG.OPENID_CONNECT.fence.access_token_url", false},        // fence
		{"global.origins_allow_credentials", false},                          // unfunded values
		{"external-secrets.targetRevision", false},                           // midrcprod cluster values
		{"portal.gitops.logo", false},                                        // diseasedatahub portal values
		{"fence.image.tag", false},
	}
	for _, tt := range tests {
		for _, v := range []any{"s3cr3t-value", 12345.0} {
			got := Mask([]Change{{Path: tt.path, Op: Changed, Before: "old", After: v}})[0]
			if got.Masked != tt.masked || (got.After == Redacted) != tt.masked {
				t.Errorf("%s = %v: masked %v (%v), want %v", tt.path, v, got.Masked, got.After, tt.masked)
			}
		}
		for _, v := range []any{true, false, "", nil} {
			if got := Mask([]Change{{Path: tt.path, After: v}})[0]; got.Masked {
				t.Errorf("%s = %#v masked; booleans, nulls and empty strings never are", tt.path, v)
			}
		}
	}
}

func TestMaskTree(t *testing.T) {
	in := map[string]any{
		"fence": map[string]any{
			"image": map[string]any{"tag": "2026.10"},
			"secrets": map[string]any{
				"awsAccessKeyId": "AKIAIOSFODNN7EXAMPLE", "existingSecret": "fence-aws", "enabled": true, "region": "us-east-1",
				"nested": []any{"one", map[string]any{"x": 1.0}},
			},
			"externalSecrets": map[string]any{"dbcreds": "fence-db-creds", "createK8sFenceConfigSecret": false},
			"env": []any{
				map[string]any{"name": "DB_PASSWORD", "value": "hunter2"},
				map[string]any{"name": "DB_HOST", "value": "db"},
				map[string]any{"name": "DB", "value": "postgresql://$(PGUSER):$(PGPASSWORD)@$(PGHOST):5432/db"},
				map[string]any{"name": "PASSWORD", "valueFrom": map[string]any{"secretKeyRef": map[string]any{"name": "s", "key": "password"}}},
			},
			"volumes": []any{map[string]any{"name": "v", "secret": map[string]any{"secretName": "fence-jwt-keys", "items": []any{map[string]any{"key": "jwt.key", "path": "k"}}}}},
		},
		"global": map[string]any{
			"postgres":     map[string]any{"master": map[string]any{"password": 1234.0, "username": "postgres"}},
			"slackWebhook": "https://hooks.slack.com/services/T000/B000/XXXX",
			"tls":          map[string]any{"cert": "-----BEGIN CERTIFICATE-----", "key": "LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCg=="},
			"notes":        "token ghp_0123456789abcdefghijABCDEFGHIJ012345 pasted by mistake",
			"csrfSecret":   "{{ENCRYPTION_KEY}}",
		},
		"sa": map[string]any{"annotations": map[string]any{"eks.amazonaws.com/role-arn": "arn:aws:iam::123:role/x"}},
	}
	want := map[string]any{
		"fence": map[string]any{
			"image": map[string]any{"tag": "2026.10"},
			"secrets": map[string]any{
				"awsAccessKeyId": Redacted, "existingSecret": "fence-aws", "enabled": true, "region": "us-east-1",
				"nested": []any{Redacted, map[string]any{"x": Redacted}},
			},
			"externalSecrets": map[string]any{"dbcreds": "fence-db-creds", "createK8sFenceConfigSecret": false},
			"env": []any{
				map[string]any{"name": "DB_PASSWORD", "value": Redacted},
				map[string]any{"name": "DB_HOST", "value": "db"},
				map[string]any{"name": "DB", "value": "postgresql://$(PGUSER):$(PGPASSWORD)@$(PGHOST):5432/db"},
				map[string]any{"name": "PASSWORD", "valueFrom": map[string]any{"secretKeyRef": map[string]any{"name": "s", "key": "password"}}},
			},
			"volumes": []any{map[string]any{"name": "v", "secret": map[string]any{"secretName": "fence-jwt-keys", "items": []any{map[string]any{"key": "jwt.key", "path": "k"}}}}},
		},
		"global": map[string]any{
			"postgres":     map[string]any{"master": map[string]any{"password": Redacted, "username": "postgres"}},
			"slackWebhook": Redacted,
			"tls":          map[string]any{"cert": "-----BEGIN CERTIFICATE-----", "key": Redacted},
			"notes":        Redacted,
			"csrfSecret":   "{{ENCRYPTION_KEY}}",
		},
		"sa": map[string]any{"annotations": map[string]any{"eks.amazonaws.com/role-arn": "arn:aws:iam::123:role/x"}},
	}
	before := copyMap(in)
	got := MaskTree(in)
	if !reflect.DeepEqual(got, want) {
		for _, c := range Diff(want, got) {
			t.Errorf("%s: got %s, want %s", c.Path, Format(c.After), Format(c.Before))
		}
	}
	if !reflect.DeepEqual(in, before) {
		t.Error("MaskTree modified its input")
	}
}

func TestLooksSecret(t *testing.T) {
	secret := []string{
		"AKIAIOSFODNN7EXAMPLE", "key=ASIAY34FZKBOKMUTVV7A;",
		"ghp_0123456789abcdefghijABCDEFGHIJ012345", "gho_0123456789abcdefghijABCDEFGHIJ012345",
		"ghs_0123456789abcdefghijABCDEFGHIJ012345", "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz",
		"xoxb-1234567890-abcdefghij", "xoxp-12345-67890-abcdef",
		"-----BEGIN RSA PRIVATE KEY-----\nMIIE...", "-----BEGIN PRIVATE KEY-----", "-----BEGIN OPENSSH PRIVATE KEY-----",
		"LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQo=",
		"postgresql://fence:s3cret@db.example.org:5432/fence", "https://user:pa55@example.org/",
		"https://hooks.slack.com/services/T0000/B0000/XXXXXXXX",
	}
	plain := []string{
		"", "quay.io/cdis/fence:2026.10", "AKIA", "-----BEGIN CERTIFICATE-----", "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==",
		"postgresql://$(PGUSER):$(PGPASSWORD)@$(PGHOST):5432/$(PGDB)", "postgresql://{{ .user }}:{{ .password }}@host/db",
		"https://example.org/path?a=b", "git@github.com:uc-cdis/gen3-gitops.git", "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC",
		"mailto:someone@example.org", "ghp_short",
	}
	for _, s := range secret {
		if !looksSecret(s) {
			t.Errorf("looksSecret(%q) = false", s)
		}
	}
	for _, s := range plain {
		if looksSecret(s) {
			t.Errorf("looksSecret(%q) = true", s)
		}
	}
}

func TestMaskChanges(t *testing.T) {
	in := []Change{
		{Path: "global.postgres.master.password", Op: Changed, Before: "a", After: "b", BeforeType: "string", AfterType: "string"},
		{Path: "fence.secrets", Op: Added, After: map[string]any{"awsAccessKeyId": "x", "enabled": true}, AfterType: "map"},
		{Path: "fence.env[name=DB_PASSWORD].value", Op: Changed, Before: "a", After: "b"},
		{Path: "fence.env[name=DB_PASSWORD]", Op: Added, After: map[string]any{"name": "DB_PASSWORD", "value": "p"}},
		{Path: "fence.image.tag", Op: Changed, Before: "2026.09", After: 2026.1, TypeChanged: true},
		{Path: "not a [path", Op: Added, After: "AKIAIOSFODNN7EXAMPLE"},
	}
	want := []Change{
		{Path: "global.postgres.master.password", Op: Changed, Before: Redacted, After: Redacted, BeforeType: "string", AfterType: "string", Masked: true},
		{Path: "fence.secrets", Op: Added, After: map[string]any{"awsAccessKeyId": Redacted, "enabled": true}, AfterType: "map", Masked: true},
		{Path: "fence.env[name=DB_PASSWORD].value", Op: Changed, Before: Redacted, After: Redacted, Masked: true},
		{Path: "fence.env[name=DB_PASSWORD]", Op: Added, After: map[string]any{"name": "DB_PASSWORD", "value": Redacted}, Masked: true},
		{Path: "fence.image.tag", Op: Changed, Before: "2026.09", After: 2026.1, TypeChanged: true},
		{Path: "not a [path", Op: Added, After: Redacted, Masked: true},
	}
	orig := append([]Change(nil), in...)
	if got := Mask(in); !reflect.DeepEqual(got, want) {
		t.Errorf("Mask =\n%#v\nwant\n%#v", got, want)
	}
	if !reflect.DeepEqual(in, orig) {
		t.Error("Mask modified its input")
	}
}

func TestWords(t *testing.T) {
	tests := map[string]string{
		"awsSecretAccessKey":      "aws secret access key",
		"cedarAPIKey":             "cedar api key",
		"WTF_CSRF_SECRET_KEY":     "wtf csrf secret key",
		"s3AccessKeyId":           "s3 access key id",
		"createK8sJwtKeysSecret":  "create k8s jwt keys secret",
		"awsAccessKeyID":          "aws access key id",
		"external-secrets":        "external secrets",
		"OAUTH2_TOKEN_EXPIRES_IN": "oauth2 token expires in",
	}
	for in, want := range tests {
		if got := strings.Join(words(in), " "); got != want {
			t.Errorf("words(%q) = %q, want %q", in, got, want)
		}
	}
}

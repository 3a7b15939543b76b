package csocbot.values_plaintext_secrets_test

import data.csocbot.values_plaintext_secrets

# uc-cdis/gen3-gitops/midrcprod/data.midrc.org/templates/app.yaml
app := {
	"name": "gen3-midrcprod", "namespace": "argocd", "project": "default",
	"file": "midrcprod/data.midrc.org/templates/app.yaml", "sources": [],
}

env := {"name": "midrcprod", "prod": true, "cluster": "midrcprod", "account": "813684607867", "hostname": "data.midrc.org"}

values_input(changes) := {"values": {
	"application": app, "environment": env, "value_files": [],
	"before": {}, "after": {}, "changes": changes, "objects": [],
}}

type_of(x) := "null" if x == null

type_of(x) := "string" if is_string(x)

type_of(x) := "number" if is_number(x)

type_of(x) := "bool" if is_boolean(x)

type_of(x) := "map" if is_object(x)

type_of(x) := "list" if is_array(x)

change(path, before, after) := {
	"path": path, "op": "changed", "before": before, "after": after,
	"before_type": type_of(before), "after_type": type_of(after), "type_changed": type_of(before) != type_of(after),
}

added(path, after) := {
	"path": path, "op": "added", "before": null, "after": after,
	"before_type": "null", "after_type": type_of(after), "type_changed": true,
}

removed(path, before) := {
	"path": path, "op": "removed", "before": before, "after": null,
	"before_type": type_of(before), "after_type": "null", "type_changed": true,
}

deny(changes) := msgs if {
	msgs := values_plaintext_secrets.deny with input as values_input(changes)
}

test_masked_webhook_denied if {
	msgs := deny([added("fence.usersync.slack_webhook", "(masked)")])
	count(msgs) == 1
	some m in msgs
	contains(m, "application gen3-midrcprod (midrcprod/data.midrc.org/templates/app.yaml): fence.usersync.slack_webhook sets a plaintext secret")
	contains(m, "global.externalSecrets.slackWebhookSecretName")
}

test_unmasked_password_denied_without_showing_it if {
	msgs := deny([change("indexd.postgres.password", "", "hunter2-not-a-secret")])
	count(msgs) == 1
	some m in msgs
	contains(m, "indexd.postgres.password")
	contains(m, "global.postgres.externalSecret")
	not contains(m, "hunter2")
}

test_masked_values_of_secret_keys_denied if {
	count(deny([
		added("global.aws.awsSecretAccessKey", "(masked)"),
		added("fence.FENCE_CONFIG.OPENID_CONNECT.google.client_secret", "(masked)"),
		added("ssjdispatcher.ssjcreds.jobPassword", "(masked)"),
		change("fence.FENCE_CONFIG.ENCRYPTION_KEY", "REPLACEME", "(masked)"),
	])) == 4
}

test_advice_per_chart_key if {
	some m1 in deny([added("global.aws.awsAccessKeyId", "(masked)")])
	contains(m1, "eks.amazonaws.com/role-arn")
	some m2 in deny([added("fence.FENCE_CONFIG.INDEXD_PASSWORD", "(masked)")])
	contains(m2, "fence.externalSecrets.fenceConfig")
	some m3 in deny([added("ssjdispatcher.ssjcreds.metadataservicePassword", "(masked)")])
	contains(m3, "ssjdispatcher.externalSecrets.credsFile")
	some m4 in deny([added("cedar.secrets.apiKey", "(masked)")])
	contains(m4, "reference it by name")
}

# uc-cdis/gen3-gitops/midrcprod/data.midrc.org/values/values.yaml
test_secret_names_allowed if {
	count(deny([
		added("global.externalSecrets.slackWebhookSecretName", "midrcprod-slack-webhook"),
		added("global.externalSecrets.createSlackWebhookSecret", true),
		change("fence.externalSecrets.fenceConfig", "midrcstaging-fence-config", "midrcprod-fence-config"),
		added("fence.externalSecrets.fenceJwtKeys", "midrcprod-fence-jwt"),
		added("wts.externalSecrets.wtsOidcClient", "midrcprod-wts-client-secret"),
		added("global.postgres.externalSecret", "postgres"),
		added("global.aws.secretStoreServiceAccount.roleArn", "arn:aws:iam::813684607867:role/midrcprod-external-secrets-sa"),
		added("fence.volumes[name=fence-jwt-keys].secret.secretName", "fence-jwt-keys"),
		added("data-upload-cron.awsCredsSecret.secretKey", "aws_secret_access_key"),
		added("revproxy.revproxyElb.gen3SecretsFolder", "Gen3Secrets"),
	])) == 0
}

test_masked_secret_name_allowed if {
	count(deny([added("global.externalSecrets.slackWebhookSecretName", "(masked)")])) == 0
}

# uc-cdis/gen3-gitops/ci/default/values/fence.yaml
test_token_settings_allowed if {
	count(deny([
		added("fence.FENCE_CONFIG_PUBLIC.ACCESS_TOKEN_COOKIE_NAME", "access_token"),
		added("fence.FENCE_CONFIG_PUBLIC.ACCESS_TOKEN_EXPIRES_IN", 1200),
		added("fence.FENCE_CONFIG_PUBLIC.WTF_CSRF_SECRET_KEY", "{{ENCRYPTION_KEY}}"),
		added("fence.FENCE_CONFIG.OPENID_CONNECT.fence.access_token_url", "{{api_base_url}}/oauth2/token"),
		added("fence.FENCE_CONFIG_PUBLIC.INDEXD_PASSWORD", ""),
		added("fence.usersync.slack_webhook", "None"),
		added("fence.automountServiceAccountToken", false),
	])) == 0
}

# Su-informatics-lab/gen3-gitops/ardac1prd/portal.ardac.org/values.yaml (start of the logo)
logo := "iVBORw0KGgoAAAANSUhEUgAAAdAAAABaCAYAAAAIAQcKAAAAAXNSR0IArs4c6QAAAARnQU1BAACxjwv8YQUAAAAJcEhZcwAALiIAAC4iAari3ZIAACZ9SURBVHhe7Z0HfFTF9s="

test_base64_logo_allowed if {
	count(deny([
		added("portal.gitops.logo", logo),
		change("portal.gitops.createdby", "", logo),
	])) == 0
}

test_removed_secret_not_judged if {
	count(deny([removed("fence.usersync.slack_webhook", "(masked)")])) == 0
}

test_added_map_walked if {
	msgs := deny([added("fence.usersync", {
		"usersync": true,
		"userYamlS3Path": "s3://cdis-gen3-users/midrc/user.yaml",
		"slack_webhook": "(masked)",
	})])
	count(msgs) == 1
	some m in msgs
	contains(m, "fence.usersync.slack_webhook sets a plaintext secret")
}

test_changed_map_judges_changed_leaves_only if {
	count(deny([change(
		"ssjdispatcher.ssjcreds",
		{"jobPassword": "(masked)", "jobName": "indexing"},
		{"jobPassword": "(masked)", "jobName": "indexing-2"},
	)])) == 0
	count(deny([change(
		"ssjdispatcher.ssjcreds",
		{"jobPassword": "", "jobName": "indexing"},
		{"jobPassword": "(masked)", "jobName": "indexing"},
	)])) == 1
}

test_env_list_item_named_by_name if {
	msgs := deny([added("hatchery.env[name=GITHUB_TOKEN].value", "(masked)")])
	count(msgs) == 1
	some m in msgs
	contains(m, "key \"GITHUB_TOKEN\"")
	count(deny([added("hatchery.env", [
		{"name": "NAMESPACE", "value": "default"},
		{"name": "GITHUB_TOKEN", "value": "some-token-value"},
	])])) == 1
	count(deny([added("hatchery.env[name=HOSTNAME].value", "data.midrc.org")])) == 0
}

test_secret_value_under_any_key_denied if {
	msgs := deny([added("etl.extraEnv.AWS_KEY_ID_FOR_TESTS", "AKIAIOSFODNN7EXAMPLE")])
	count(msgs) == 1
	some m in msgs
	not contains(m, "AKIAIOSFODNN7EXAMPLE")
	count(deny([added("argo-wrapper.notes", "post to https://hooks.slack.com/services/T000/B000/XXXX")])) == 1
}

test_quoted_key_path if {
	msgs := deny([added("global.annotations[\"example.org/api-token\"]", "(masked)")])
	some m in msgs
	contains(m, "key \"example.org/api-token\"")
}

test_nothing_without_values if {
	count(values_plaintext_secrets.deny) == 0 with input as {"unit": {"environment": "prod"}, "config": {}}
}

test_webhook_url_denied if {
	count(deny([added("notifications.slackWebhookUrl", "(masked)")])) == 1
	count(deny([added("FENCE_CONFIG.OPENID_CONNECT.fence.refresh_token_url", "(masked)")])) == 0
}

# uc-cdis/gen3-gitops/unfunded/diseasedatahub.org/values/values.yaml
test_allowed_origins_not_secrets if {
	count(deny([added("global.origins_allow_credentials", ["https://tb.diseasedatahub.org", "https://aids.diseasedatahub.org"])])) == 0
}

test_list_of_secrets_under_secret_key if {
	msgs := deny([added("access-backend.jwt_signing_keys", ["(masked)"])])
	count(msgs) == 1
	some m in msgs
	contains(m, "access-backend.jwt_signing_keys[0] sets a plaintext secret (key \"jwt_signing_keys\"")
}

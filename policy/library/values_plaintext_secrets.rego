# Rule: values_plaintext_secrets
#
# Helm values live in git, where a secret stays readable in the history
# even after it is removed. Keys that look like passwords, secrets, tokens,
# access keys or webhooks may only hold references to a secret store (the
# name of a secrets-manager entry under `externalSecrets`, a `*SecretName`,
# `existingSecret`), never the value. Only the values the pull request
# sets (input.values.changes, op added or changed) are judged, so secrets
# already in the repository do not block unrelated pull requests.
#
# The workflow masks secret-looking values before policy runs: a value
# that reads "(masked)" after the change is one the masker took for a
# secret (a secret-looking key with a value, or an AWS key id, GitHub or
# Slack token, PEM private key whatever the key), so it is denied unless
# its key is a reference. Unmasked values (e.g. `csocbot policy eval` on a
# hand-made input) are judged by key and by value pattern. Messages never
# show the value.
#
# Plaintext-capable keys of the gen3-helm charts, which must stay empty:
#   - uc-cdis/gen3-helm/helm/gen3/values.yaml
#     global.postgres.master.password, global.aws.awsAccessKeyId and
#     awsSecretAccessKey, global.slackWebhook, global.slack_webhook
#   - uc-cdis/gen3-helm/helm/fence/values.yaml
#     postgres.password (most service charts have it), secrets.awsAccessKeyId
#     and awsSecretAccessKey, usersync.slack_webhook,
#     usersync.userYamlS3AccessKeyId and userYamlS3SecretAccessKey, and in
#     FENCE_CONFIG: ENCRYPTION_KEY, INDEXD_PASSWORD,
#     OPENID_CONNECT.<idp>.client_secret, GUN_MAIL.<domain>.api_key and
#     smtp_password, CIRRUS_CFG.GOOGLE_API_KEY, AWS_CREDENTIALS,
#     AZ_BLOB_CREDENTIALS, dbGaP[].info.password
#   - uc-cdis/gen3-helm/helm/etl/values.yaml
#     esGarbageCollect.slack_webhook
#   - uc-cdis/gen3-helm/helm/ssjdispatcher/values.yaml
#     ssjcreds.jobPassword and metadataservicePassword
#   - uc-cdis/gen3-gitops/ci/default/values/ssjdispatcher.yaml
#     the CI values set both to the placeholder "replace_with_password"
#   - uc-cdis/gen3-helm/helm/gen3-workflow/values.yaml
#     gen3WorkflowConfig.s3AccessKeyId and s3SecretAccessKey
#   - uc-cdis/gen3-helm/helm/cohort-middleware/values.yaml
#     config.atlasDbPassword; likewise access-backend jwt_signing_keys, cedar
#     secrets.apiKey, wts oidc_client_secret, jeg env.EG_AUTH_TOKEN
#
# References that must not be flagged, as the prod values use them:
#   - uc-cdis/gen3-gitops/midrcprod/data.midrc.org/values/values.yaml
#     global.externalSecrets.slackWebhookSecretName: midrcprod-slack-webhook,
#     fence.externalSecrets.fenceConfig, wts.externalSecrets.wtsOidcClient:
#     midrcprod-wts-client-secret, global.postgres.externalSecret: postgres
#   - Su-informatics-lab/gen3-gitops/ardac1prd/portal.ardac.org/values.yaml
#     a base64 PNG portal logo, requestor.externalSecrets.dbcreds,
#     global.postgres.externalSecret: ardac1prd-aurora-master-password
#
# Input: input.values.application, input.values.changes
package csocbot.values_plaintext_secrets

masked := "(masked)"

app := input.values.application

# set_values are [path, key, value] for every scalar value the pull request
# sets: each added or changed scalar, and each scalar inside an added or
# changed map or list that differs from what was there before.
set_values contains [c.path, leaf_key(c.path), c.after] if {
	some c in input.values.changes
	c.op in {"added", "changed"}
	not is_object(c.after)
	not is_array(c.after)
}

set_values contains [concat("", [c.path, render(p)]), walk_key(c.after, p, c.path), v] if {
	some c in input.values.changes
	c.op in {"added", "changed"}
	is_collection(c.after)
	walk(c.after, [p, v])
	not is_collection(v)
	object.get({"v": c.before}, array.concat(["v"], p), {}) != v
}

is_collection(x) if is_object(x)

is_collection(x) if is_array(x)

# render writes a walk path in the syntax of input.values.changes paths.
render(p) := concat("", [segment(k) | some k in p])

segment(k) := sprintf("[%d]", [k]) if is_number(k)

segment(k) := sprintf(".%s", [k]) if {
	is_string(k)
	regex.match(`^[A-Za-z0-9_-]+$`, k)
}

segment(k) := sprintf("[%q]", [k]) if {
	is_string(k)
	not regex.match(`^[A-Za-z0-9_-]+$`, k)
}

# leaf_key is the key that names a value: the last key of its path, or for
# a list item like env[name=GITHUB_TOKEN].value, the item's name.
leaf_key(path) := m[1] if {
	m := regex.find_all_string_submatch_n(`\[(?:name|key|id)="?([^\]"]+)"?\]\.value$`, path, 1)[0]
} else := m[1] if {
	m := regex.find_all_string_submatch_n(`\["([^"]*)"\]$`, path, 1)[0]
} else := m[1] if {
	m := regex.find_all_string_submatch_n(`([^.\[\]]+)$`, path, 1)[0]
} else := ""

# walk_key is the same for a value found by walking a map or list at path:
# the last key of p, the name of an {name: X, value: v} item, or for a list
# of scalars the key of the list.
walk_key(root, p, path) := name if {
	p[count(p) - 1] == "value"
	name := object.get({"v": root}, array.concat(["v"], array.concat(array.slice(p, 0, count(p) - 1), ["name"])), null)
	is_string(name)
} else := k if {
	keys := [k | some k in p; is_string(k)]
	k := keys[count(keys) - 1]
} else := leaf_key(path)

# norm folds case, "_" and "-", so AWS_SECRET_ACCESS_KEY, awsSecretAccessKey
# and aws-secret-access-key read alike.
norm(k) := lower(replace(replace(replace(k, "_", ""), "-", ""), " ", ""))

secret_key(k) if regex.match(`password|passwd|passphrase|secret|token|webhook|accesskey|apikey|privatekey|encryptionkey|signingkey|credentials|hmac`, norm(k))

# Keys that name or point at a secret, or set how one is used, never hold
# it: secretName, slackWebhookSecretName, ACCESS_TOKEN_COOKIE_NAME,
# secretKeyRef, clusterSecretStoreRef, token_endpoint, access_token_url,
# ACCESS_TOKEN_EXPIRES_IN, createK8sFenceConfigSecret, existingSecret,
# externalSecret, fenceGoogleAppCredsSecret, auroraMasterSecret, ...
reference_key(k) if regex.match(`(name|names|ref|refs|reference|arn|file|path|folder|dir|endpoint|expiresin|ttl|cutoff|beforeexpiration|enabled|namespace|fromsecret|credssecret|settingssecret|mastersecret)$|allow`, norm(k))

# A URL is a setting, except a webhook URL, which carries its token.
reference_key(k) if {
	regex.match(`(url|uri)$`, norm(k))
	not contains(norm(k), "webhook")
}

reference_key(k) if regex.match(`^(create|push|use|automount|separate|existing|external|write|secretstore)`, norm(k))

# Maps whose entries are names of secrets or of keys inside them:
# externalSecrets (fenceConfig: midrcprod-fence-config), secretKeyRef,
# existingSecret, awsCredsSecret (accessKey: aws_access_key_id).
in_reference_map(path) if regex.match(`(?i)(^|\.)(externalsecrets?|existingsecret|secretstore[a-z]*|[a-z]*secretkeyref|[a-z]*secretref|valuefrom|[a-z]*credssecret)(\.|\[)`, path)

reference(path, k) if reference_key(k)

reference(path, _) if in_reference_map(path)

# Values that are not secrets even under a secret key: templates filled
# in by the service (fence's WTF_CSRF_SECRET_KEY: "{{ENCRYPTION_KEY}}") and
# the "None" gen3 charts use for an unset webhook.
placeholder(v) if regex.match(`^\s*(\{\{.*\}\}|\$\{.*\}|None|none|null|~)\s*$`, v)

# Secrets recognised by their value, whatever the key.
secret_value(v) if regex.match(`(^|[^A-Za-z0-9])(AKIA|ASIA)[0-9A-Z]{16}([^A-Za-z0-9]|$)|gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{20,}|xox[abposr]-[A-Za-z0-9-]{10,}|-----BEGIN [A-Z ]*PRIVATE KEY-----|hooks\.slack\.com/services/`, v)

# plaintext holds [path, key] of every secret value the pull request sets.
plaintext contains [path, k] if {
	some [path, k, v] in set_values
	v == masked
	not reference(path, k)
}

plaintext contains [path, k] if {
	some [path, k, v] in set_values
	is_string(v)
	v != masked
	secret_key(k)
	not reference(path, k)
	trim_space(v) != ""
	not placeholder(v)
}

plaintext contains [path, k] if {
	some [path, k, v] in set_values
	is_string(v)
	v != masked
	secret_value(v)
}

# advice says what to do instead, for the gen3-helm keys that take a
# secret in plain text, and in general.
advice(path) := "Leave it empty: the gen3 charts then generate the database password, and read the master credentials from the secrets-manager entry named by global.postgres.externalSecret (midrcprod uses `postgres`)." if {
	regex.match(`(^|\.)postgres\.(master\.)?password$`, path)
} else := "Leave AWS keys empty: give the service account an IAM role (serviceAccount.annotations[\"eks.amazonaws.com/role-arn\"], as midrcprod does), or keep the keys in the secrets-manager entry named by global.aws.externalSecrets.externalSecretAwsCreds." if {
	regex.match(`(?i)(aws|s3|userYamlS3)(AccessKeyId|SecretAccessKey|accesskey|secretkey)$|(^|\.)AWS_CREDENTIALS(\.|\[|$)`, path)
} else := "Store the webhook in the secrets manager and set global.externalSecrets.createSlackWebhookSecret: true with global.externalSecrets.slackWebhookSecretName naming it (midrcprod: midrcprod-slack-webhook)." if {
	regex.match(`(?i)slack_?webhook$|slack\.webhook$`, path)
} else := "fence renders FENCE_CONFIG into its Kubernetes Secret from these values; keep secrets in the secrets-manager entry named by fence.externalSecrets.fenceConfig (midrcprod: midrcprod-fence-config) instead." if {
	regex.match(`(^|\.)FENCE_CONFIG(_PUBLIC)?(\.|\[)`, path)
} else := "Keep the ssjdispatcher credentials in the secrets-manager entry named by ssjdispatcher.externalSecrets.credsFile (midrcprod: midrcprod-ssjdispatcher-creds)." if {
	regex.match(`(^|\.)ssjcreds\.`, path)
} else := "Store the value in the secrets manager and reference it by name instead (the chart's externalSecrets.* entry, a *SecretName key or existingSecret)."

deny contains msg if {
	some [path, k] in plaintext
	msg := sprintf(
		"application %s (%s): %s sets a plaintext secret (key %q; the value is not shown). Values are kept in git, where the secret stays readable in the history even once removed: rotate it. %s",
		[app.name, app.file, path, k, advice(path)],
	)
}

# Rule: values_argocd_hygiene
#
# Two checks on the Argo CD Application itself:
#
# 1. A prod application's sources follow an allowed targetRevision. With
#    data.csocbot_allow.values_prod_target_revisions set (globs, `*`
#    matches any characters; "" is read as HEAD), every source's revision
#    must match one. Without it, revisions that look like feature branches
#    are refused (feat/…, feature…, fix…, chore…, test…, wip…, or any
#    branch with a `/` other than release/…): Argo CD deploys every push to
#    that branch to prod, with no pull request in the gitops repository.
#    midrcprod's data.midrc.org follows gen3-helm's feat/deployment-canary.
#    This denies when the pull request changes the application's manifest
#    (or when csocbot does not know the changed files, as with `csocbot
#    policy eval`), and warns otherwise, so a revision already deployed
#    does not block a pull request that only changes values.
# 2. Every value file the application lists exists at the pull request's
#    head (input.values.value_files[].exists), in every environment: Argo
#    CD cannot render an application whose value file is missing, so the
#    whole application stops syncing.
#
# Grounded in:
#   - uc-cdis/gen3-gitops/midrcprod/data.midrc.org/templates/app.yaml
#     targetRevision: feat/deployment-canary for helm/gen3, master for the
#     $values ref source
#   - uc-cdis/gen3-gitops/unfunded/diseasedatahub.org/templates/app.yaml
#     targetRevision: master and six $values/… value files
#   - Su-informatics-lab/gen3-gitops/ardac1prd/cluster-level-resources/cluster-values.yaml
#     release versions as targetRevision ("1.0.8")
#
# Input: input.values.application, input.values.environment.prod,
# input.values.value_files, input.pr.changed_files,
# data.csocbot_allow.values_prod_target_revisions
package csocbot.values_argocd_hygiene

app := input.values.application

revision(s) := "HEAD" if s.target_revision == ""

revision(s) := s.target_revision if s.target_revision != ""

source_name(s) := sprintf("%s (path %s)", [s.repo_url, s.path]) if s.path != ""

source_name(s) := sprintf("%s (chart %s)", [s.repo_url, s.chart]) if {
	s.path == ""
	s.chart != ""
}

source_name(s) := sprintf("%s (ref %s)", [s.repo_url, s.ref]) if {
	s.path == ""
	s.chart == ""
}

feature_branch(r) if regex.match(`(?i)^(feat|feature|features|fix|bugfix|hotfix|chore|test|wip|tmp|temp)([_/.-]|$)`, r)

feature_branch(r) if {
	contains(r, "/")
	not regex.match(`^releases?/`, r)
}

allowlist := data.csocbot_allow.values_prod_target_revisions

# refused are [source, why] for every prod source whose revision is not
# allowed.
refused contains [s, "is not in data.csocbot_allow.values_prod_target_revisions"] if {
	input.values.environment.prod == true
	allowlist
	some s in app.sources
	not allowed(revision(s))
}

refused contains [s, "looks like a feature branch: Argo CD deploys every push to it to prod, with no pull request in this repository"] if {
	input.values.environment.prod == true
	not allowlist
	some s in app.sources
	feature_branch(revision(s))
}

allowed(r) if {
	some pattern in allowlist
	glob.match(pattern, [], r)
}

# introduced is true when the pull request changes the manifest, or when
# the changed files are not known.
introduced if not input.pr.changed_files

introduced if count(input.pr.changed_files) == 0

introduced if {
	some f in input.pr.changed_files
	f.path == app.file
}

revision_message(s, why) := sprintf(
	"application %s (%s) is prod, but its source %s follows targetRevision %q, which %s. Point it at a release tag or the reviewed default branch (master), or, if this revision is deliberately the prod channel, add it to data.csocbot_allow.values_prod_target_revisions.",
	[app.name, app.file, source_name(s), revision(s), why],
)

deny contains msg if {
	introduced
	some [s, why] in refused
	msg := revision_message(s, why)
}

warn contains msg if {
	not introduced
	some [s, why] in refused
	msg := sprintf("%s (This pull request does not change the manifest; it becomes a deny when it does.)", [revision_message(s, why)])
}

deny contains msg if {
	some f in input.values.value_files
	f.exists == false
	msg := sprintf(
		"application %s (%s) lists the value file %s, which does not exist at the pull request's head: Argo CD cannot render the application, so none of it syncs. Add the file, or remove it from spec.sources[].helm.valueFiles.",
		[app.name, app.file, f.path],
	)
}

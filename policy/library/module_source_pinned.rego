# Rule: module_source_pinned
#
# A prod unit must build from an immutable module version: a remote
# `terraform { source = ... }` needs `?ref=` set to a release tag (v1.2.3)
# or a full 40-hex commit SHA. A branch (main, master, develop), any other
# moving ref, or no ref at all means the next plan can pick up code nobody
# reviewed. Local sources (./, ../, /), a unit without terraform.source and
# a plain Terraform root are versioned with the repo and are fine. Non-prod
# units only get a warning.
#
# Grounded in:
#   - Su-informatics-lab/gen3-gitops/terragrunt/commons/root.hcl
#     (source = "git::https://github.com/alan-walsh/gen3-terraform.git//tf_files/aws/commons?ref=develop")
#   - indiana-university/gen3-kro/units/eks-cluster/terragrunt.hcl and
#     indiana-university/gen3-kro/units/vpc/terragrunt.hcl
#     (?ref=${local.version}, local.version = get_env("GEN3_KRO_VERSION", "main"))
#   - Su-informatics-lab/gen3-gitops/terragrunt/jump/root.hcl (local source "../../../../terraform/jump")
#
# Input: input.unit.environment, input.unit.path, input.config.source
package csocbot.module_source_pinned

branch_names := {"main", "master", "develop", "dev", "trunk", "HEAD"}

source := input.config.source

is_local(s) if startswith(s, "./")

is_local(s) if startswith(s, "../")

is_local(s) if startswith(s, "/")

is_local(s) if s == "."

# Terraform registry sources ("tfr:///org/mod/aws?version=1.2.3") pin with
# ?version= instead of ?ref=.
registry_version(s) := v if {
	startswith(s, "tfr:")
	m := regex.find_all_string_submatch_n(`[?&]version=([^&]+)`, s, 1)[0]
	v := m[1]
}

ref(s) := r if {
	m := regex.find_all_string_submatch_n(`[?&]ref=([^&#]+)`, s, 1)[0]
	r := m[1]
}

is_tag(r) if regex.match(`^v?[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$`, r)

is_sha(r) if regex.match(`^[0-9a-f]{40}$`, r)

pinned(r) if is_tag(r)

pinned(r) if is_sha(r)

# problems are short descriptions of why the source is not pinned.
problems contains sprintf("it pins the branch %q", [r]) if {
	r := ref(source)
	r in branch_names
}

problems contains sprintf("its ref %q is not a release tag (v1.2.3) or a 40-hex commit SHA", [r]) if {
	r := ref(source)
	not r in branch_names
	not pinned(r)
	not contains(r, "${")
}

problems contains sprintf("its ref %q is computed (in gen3-kro it defaults to the branch \"main\")", [r]) if {
	r := ref(source)
	contains(r, "${")
}

problems contains "it has no ?ref= at all, so it follows the default branch" if {
	is_string(source)
	not is_local(source)
	not startswith(source, "tfr:")
	not ref(source)
}

problems contains sprintf("its registry version %q is not an exact version", [v]) if {
	v := registry_version(source)
	not is_tag(v)
}

problems contains "it has no ?version= pin" if {
	startswith(source, "tfr:")
	not registry_version(source)
}

# The engine always sends config.source: "" for a Terragrunt unit without
# terraform.source (the unit's folder is the module), and the root itself,
# i.e. its folder, for a plain Terraform root. Both are versioned with the
# repository, like a local source.
versioned_with_repo if source == ""

versioned_with_repo if source == input.unit.path

unpinned if {
	is_string(source)
	not is_local(source)
	not versioned_with_repo
	count(problems) > 0
}

deny contains msg if {
	input.unit.environment == "prod"
	unpinned
	msg := sprintf(
		"%s: terraform source %q is not pinned: %s. Prod units must use ?ref=<release tag> (like v1.2.3) or ?ref=<40-hex commit SHA>.",
		[input.unit.path, source, concat("; ", sort(problems))],
	)
}

warn contains msg if {
	input.unit.environment != "prod"
	unpinned
	msg := sprintf(
		"%s: terraform source %q is not pinned: %s. Consider ?ref=<release tag> or a commit SHA; this becomes a deny in prod.",
		[input.unit.path, source, concat("; ", sort(problems))],
	)
}

# Rule: untrusted_code
#
# Pre-plan gate (uses only input.config, so it runs before terraform or
# terragrunt executes anything). A pull request can make the bot's plan run
# arbitrary commands: an `external` data source, a `local-exec` /
# `remote-exec` provisioner, Terragrunt's run_cmd(), a provider from an
# unknown source, or any of these in a remote module. These are denied
# unless the unit path is listed in data.csocbot_allow.untrusted_code_units
# (or allowlisted more narrowly, below).
#
# Grounded in:
#   - indiana-university/gen3-kro/units/eks-cluster/terragrunt.hcl and
#     Su-informatics-lab/gen3-gitops/terragrunt/commons/root.hcl
#     (Terragrunt functions such as get_env() are evaluated while the bot
#     parses the config; run_cmd() is evaluated the same way, so it would run
#     on the bot's host at plan time)
#   - uc-cdis/gen3-terraform/examples/gen3-deployment/main.tf (a plain
#     terraform root whose resources and data sources the bot plans)
#   - Su-informatics-lab/gen3-gitops/terragrunt/jump/root.hcl (generates
#     required_providers for hashicorp/aws, hashicorp/cloudinit and
#     hashicorp/template: the providers a Gen3 unit needs beyond the usual)
# The corpus itself uses none of the commands above.
#
# Code of the repository is judged where the pull request changes it: a
# provisioner or data source in a file the pull request adds or modifies
# (pr.changed_files), so code already reviewed on the base branch does not
# fail every later pull request. Where the changed files are not known
# (pr.changed_files empty, e.g. `csocbot policy eval` without --input),
# everything is judged. run_cmd is judged whenever the unit uses it: its
# file is not recorded.
#
# Code a Terragrunt generate block writes (generated: true) is judged
# always too: it is in no file the pull request changes.
#
# Code from outside the repository (remote: true, from a git module source
# csocbot fetched before the gate) is judged always: a pull request can
# point a unit at any module source or ref, and that code is never in
# pr.changed_files. A module csocbot could not read (a registry or other
# non-git source: config.modules[_].fetched false) is denied, since nobody
# has seen its code. Both pass when their module source and version are
# allowlisted in data.csocbot_allow.untrusted_code_sources, a list of
# {"source": "git::https://host/org/modules.git", "versions": ["v1.2.0"]}
# (source is config.modules[_].package, the address without subfolder and
# ref; versions are exact refs or registry versions).
#
# Every required provider (config.required_providers, of every module) is a
# program that runs on the bot's host during plan: its source must be one
# of default_provider_sources or data.csocbot_allow.provider_sources
# (e.g. "integrations/github"), unless its module's source is allowlisted.
# hashicorp/external is not allowed by default: it runs any program.
#
# Input: input.unit.path, input.pr.changed_files[_].path,
# input.config.data_sources[_].{type,name,address,file,remote,generated,module_source,module_version},
# input.config.provisioners[_].{resource,type,file,remote,generated,module_source,module_version},
# input.config.modules[_].{address,source,version,kind,remote,fetched,package},
# input.config.required_providers[_].{name,source,module}, input.config.uses_run_cmd;
# data.csocbot_allow.untrusted_code_units (unit paths),
# data.csocbot_allow.untrusted_code_modules (module folders, from the
# repository root: code in them, or below them, is allowed wherever it runs),
# data.csocbot_allow.untrusted_code_sources and
# data.csocbot_allow.provider_sources.
package csocbot.untrusted_code

allowlisted if input.unit.path in data.csocbot_allow.untrusted_code_units

# in_allowed_module holds for files inside an allowlisted module folder.
in_allowed_module(file) if {
	some dir in data.csocbot_allow.untrusted_code_modules
	startswith(file, concat("", [trim_suffix(dir, "/"), "/"]))
}

changed_paths := {f.path | some f in input.pr.changed_files; f.status != "removed"}

# judged holds for code in file that this pull request changes, or for any
# file when the changed files are unknown.
judged(file) if count(input.pr.changed_files) == 0

judged(file) if not input.pr.changed_files

judged(file) if file in changed_paths

# allowed_source holds for remote code whose module source and version
# are allowlisted.
allowed_source(source, version) if {
	some a in data.csocbot_allow.untrusted_code_sources
	a.source == source
	version in a.versions
}

# judged_code holds for a data source or provisioner the rule must judge:
# remote code unless its source is allowlisted, repository code where the
# pull request changes it, outside allowlisted module folders.
judged_code(x) if {
	x.remote == true
	not allowed_source(x.module_source, x.module_version)
}

# Generated code is in no file a pull request changes, and a change to a
# shared root.hcl's generate block reaches every unit: judged always.
judged_code(x) if {
	x.generated == true
	not x.remote
}

judged_code(x) if {
	not x.remote
	not x.generated
	file := object.get(x, "file", "")
	judged(file)
	not in_allowed_module(file)
}

# origin says where remote code comes from, for messages.
origin(x) := sprintf(" (from module source %s at %q)", [x.module_source, x.module_version]) if x.remote == true

origin(x) := "" if not x.remote

exec_provisioners := {"local-exec", "remote-exec"}

default_provider_sources := {
	"hashicorp/aws", "hashicorp/kubernetes", "hashicorp/helm", "hashicorp/tls",
	"hashicorp/random", "hashicorp/null", "hashicorp/time", "hashicorp/cloudinit",
	"hashicorp/template", "terraform.io/builtin/terraform",
}

allowed_provider_sources := default_provider_sources | {lower(s) | some s in data.csocbot_allow.provider_sources}

# provider_source is a required provider's source, without the default
# registry host; an entry without one is hashicorp/<name>, as in Terraform.
provider_source(p) := trim_prefix(trim_prefix(lower(p.source), "registry.terraform.io/"), "registry.opentofu.org/") if object.get(p, "source", "") != ""

provider_source(p) := concat("/", ["hashicorp", lower(p.name)]) if object.get(p, "source", "") == ""

# module_allowed holds for the module instance at address when its remote
# source and version are allowlisted.
module_allowed(address) if {
	some m in input.config.modules
	m.address == address
	m.remote == true
	allowed_source(m.package, m.version)
}

module_name(address) := "the root module" if address == ""

module_name(address) := address if address != ""

allow_hint := sprintf("Remove it, or have a maintainer add %q to data.csocbot_allow.untrusted_code_units (or its module folder to untrusted_code_modules).", [input.unit.path])

# hint says how to allow x: by unit or module folder for the repository's
# code, by module source and version for remote code.
hint(x) := allow_hint if not x.remote

hint(x) := sprintf("Remove it, or have a maintainer add %q at %q to data.csocbot_allow.untrusted_code_sources (or %q to untrusted_code_units).", [x.module_source, x.module_version, input.unit.path]) if x.remote == true

deny contains msg if {
	not allowlisted
	some d in input.config.data_sources
	d.type == "external"
	judged_code(d)
	msg := sprintf(
		"%s: data \"external\" %q%s runs a program on the bot's host during plan. %s",
		[input.unit.path, d.name, origin(d), hint(d)],
	)
}

deny contains msg if {
	not allowlisted
	some p in input.config.provisioners
	p.type in exec_provisioners
	judged_code(p)
	msg := sprintf(
		"%s: resource %s%s has a %s provisioner, which runs arbitrary commands when applied. %s",
		[input.unit.path, p.resource, origin(p), p.type, hint(p)],
	)
}

deny contains msg if {
	not allowlisted
	some m in input.config.modules
	m.remote == true
	m.fetched == false
	not allowed_source(m.package, m.version)
	msg := sprintf(
		"%s: %s comes from %s source %q, whose code csocbot did not read, so no policy has seen it (the native engine fetches only git sources before the plan; `csocbot policy eval` fetches none). Use a git source, or have a maintainer add %q at %q to data.csocbot_allow.untrusted_code_sources.",
		[input.unit.path, module_name(m.address), m.kind, m.source, m.package, m.version],
	)
}

deny contains msg if {
	not allowlisted
	some p in input.config.required_providers
	src := provider_source(p)
	not src in allowed_provider_sources
	not module_allowed(object.get(p, "module", ""))
	msg := sprintf(
		"%s: %s requires provider %q from %q, which is not an allowed provider source: a provider is a program the bot runs during plan. Use an allowed provider, or have a maintainer add %q to data.csocbot_allow.provider_sources.",
		[input.unit.path, module_name(object.get(p, "module", "")), p.name, src, src],
	)
}

deny contains msg if {
	not allowlisted
	input.config.uses_run_cmd == true
	msg := sprintf(
		"%s: the Terragrunt config calls run_cmd(), which executes a command on the bot's host while the config is parsed. %s",
		[input.unit.path, allow_hint],
	)
}

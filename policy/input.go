// Package policy evaluates server-side Rego policy sets against one
// versioned input document describing a pull request, a unit and, after
// terraform has planned, the plan and its normalised resource changes.
//
// The input document is described in INPUT.md and schema/input.schema.json.
package policy

import (
	tfjson "github.com/hashicorp/terraform-json"
)

// InputVersion is the value of Input.Version for the document described
// by INPUT.md and schema/input.schema.json.
const InputVersion = "csocbot/v1"

// Sensitive replaces every value Terraform marks as sensitive in Change.Before
// and Change.After.
const Sensitive = "(sensitive)"

// Input is the single document every policy sees as `input`.
type Input struct {
	// Version is always InputVersion.
	Version string `json:"version"`
	PR      PR     `json:"pr"`
	Unit    Unit   `json:"unit"`
	Config  Config `json:"config"`
	// Plan is the `terraform show -json` document; null before the plan.
	Plan *tfjson.Plan `json:"plan"`
	// Changes is Changes(Plan); empty before the plan.
	Changes []Change `json:"changes"`
	// ChangesByType indexes Changes by resource type, in the same order;
	// csocbot derives it from Changes (whatever the caller sets is
	// replaced). Rules that look at a few resource types iterate only
	// those instead of every change.
	ChangesByType map[string][]Change `json:"changes_by_type"`
	// Values describes one Argo CD application of a gitops repository and
	// what the pull request changes in its Helm values; nil (absent from
	// the document) for Terraform units.
	Values *Values `json:"values,omitempty"`
}

// Values is one Argo CD application's Helm values before and after the
// pull request. Secret-looking values are already masked (ValuesMasked)
// by whoever builds the input.
type Values struct {
	Application ValuesApp `json:"application"`
	Environment ValuesEnv `json:"environment"`
	// ValueFiles are the application's value files in this repository,
	// in Helm's order.
	ValueFiles []ValueFile `json:"value_files"`
	// Before and After are the merged values (chart defaults left out)
	// at the base and head of the pull request.
	Before map[string]any `json:"before"`
	After  map[string]any `json:"after"`
	// Changes are the differences between Before and After, sorted by
	// path.
	Changes []ValuesChange `json:"changes"`
	// Objects are the rendered Kubernetes objects that change, when the
	// chart could be rendered.
	Objects []ObjectChange `json:"objects"`
}

// ValuesMasked replaces secret-looking values in Values.Before, After and
// Changes.
const ValuesMasked = "(masked)"

// ValuesApp is the Argo CD Application.
type ValuesApp struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	Project   string `json:"project"`
	// File is the manifest (or wrapper chart template) defining it, from
	// the repository root.
	File    string         `json:"file"`
	Sources []ValuesSource `json:"sources"`
}

// ValuesSource is one of the application's sources.
type ValuesSource struct {
	RepoURL        string `json:"repo_url"`
	Path           string `json:"path"`
	Chart          string `json:"chart"`
	TargetRevision string `json:"target_revision"`
	Ref            string `json:"ref"`
}

// ValuesEnv is what csocbot knows of the environment the application
// deploys to.
type ValuesEnv struct {
	Name string `json:"name"`
	Prod bool   `json:"prod"`
	// Cluster is the first folder of the application's path; Account is
	// its cluster-values accountNumber.
	Cluster  string `json:"cluster"`
	Account  string `json:"account"`
	Hostname string `json:"hostname"`
}

// ValueFile is a value file the application lists.
type ValueFile struct {
	// Path is from the repository root.
	Path string `json:"path"`
	// Exists is false when the file is missing at the pull request's head.
	Exists bool `json:"exists"`
}

// ValuesChange is one changed value.
type ValuesChange struct {
	// Path is dotted keys, ["key.with.dots"] for keys with dots or
	// spaces, [name=x] for list items with a name-like key, else [3].
	Path string `json:"path"`
	// Op is "added", "removed" or "changed".
	Op     string `json:"op"`
	Before any    `json:"before"`
	After  any    `json:"after"`
	// BeforeType and AfterType are "string", "number", "bool", "map",
	// "list" or "null".
	BeforeType  string `json:"before_type"`
	AfterType   string `json:"after_type"`
	TypeChanged bool   `json:"type_changed"`
}

// ObjectChange is a rendered Kubernetes object the change adds, removes or
// changes.
type ObjectChange struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	// Op is "added", "removed" or "changed".
	Op string `json:"op"`
}

// PR describes the pull request being planned.
type PR struct {
	// Repo is "owner/name".
	Repo         string        `json:"repo"`
	Number       int           `json:"number"`
	Author       string        `json:"author"`
	Labels       []string      `json:"labels"`
	Base         GitRef        `json:"base"`
	Head         GitRef        `json:"head"`
	Approvals    []Approval    `json:"approvals"`
	ChangedFiles []ChangedFile `json:"changed_files"`
}

// GitRef is a branch and the commit it points at.
type GitRef struct {
	Ref string `json:"ref"`
	SHA string `json:"sha"`
}

// Approval is a review approving the pull request.
type Approval struct {
	User string `json:"user"`
	// Teams are the "org/team" slugs the approver belongs to.
	Teams []string `json:"teams"`
	// SHA is the head commit the approval was given on.
	SHA string `json:"sha"`
}

// ChangedFile is a file the pull request touches.
type ChangedFile struct {
	Path string `json:"path"`
	// Status is "added", "modified", "removed" or "renamed".
	Status string `json:"status"`
}

// Unit describes the Terragrunt unit or plain Terraform root being planned.
type Unit struct {
	// Path is relative to the repository root.
	Path string `json:"path"`
	// Kind is "terragrunt" or "terraform".
	Kind        string            `json:"kind"`
	Environment string            `json:"environment"`
	Account     string            `json:"account"`
	Region      string            `json:"region"`
	Tags        map[string]string `json:"tags"`
	// Credentials is the credential profile the unit's runs get.
	Credentials Credentials `json:"credentials"`
}

// Credentials is a unit's credential profile in the server configuration.
type Credentials struct {
	// Profile is the profile's name; "" when the unit has none (no
	// credentials are configured for it).
	Profile string `json:"profile"`
	// Kind is "aws_assume_role", "static_env_file" or "none"; "" without
	// a profile.
	Kind string `json:"kind"`
	// PlanRoleARN and ApplyRoleARN are the roles plans and applies assume
	// (aws_assume_role profiles; "" otherwise).
	PlanRoleARN  string `json:"plan_role_arn"`
	ApplyRoleARN string `json:"apply_role_arn"`
	// AllowedRoles are the profile's allowed_roles: the other roles the
	// unit's code may assume, role ARNs where * matches any characters.
	AllowedRoles []string `json:"allowed_roles"`
}

// Config is the evaluated configuration of the unit.
type Config struct {
	// Source is the terraform source (terraform.source in Terragrunt,
	// the root directory for plain roots).
	Source       string         `json:"source"`
	Inputs       map[string]any `json:"inputs"`
	Dependencies []Dependency   `json:"dependencies"`
	// Resources, DataSources and Provisioners are filled for plain
	// Terraform roots only.
	Resources    []ConfigBlock `json:"resources"`
	DataSources  []ConfigBlock `json:"data_sources"`
	Provisioners []Provisioner `json:"provisioners"`
	// UsesRunCmd is true when the Terragrunt configuration calls run_cmd,
	// which runs a program while the configuration is read (only possible
	// where the operator enabled it).
	UsesRunCmd bool `json:"uses_run_cmd"`
	// Modules are the module instances the unit runs, the root module
	// first, remote ones included.
	Modules []ConfigModule `json:"modules"`
	// RequiredProviders are the required_providers entries of every
	// module whose code was read.
	RequiredProviders []RequiredProvider `json:"required_providers"`
	// AssumedRoles are the IAM roles the unit's code asks to assume: a
	// Terragrunt unit's iam_role and remote_state roles, and the
	// assume_role and assume_role_with_web_identity blocks of the
	// provider blocks of every module whose code was read.
	AssumedRoles []AssumedRole `json:"assumed_roles"`
}

// AssumedRole is a role the unit's code asks to assume.
type AssumedRole struct {
	// RoleARN is the role; "" when Unknown.
	RoleARN string `json:"role_arn"`
	// Unknown is set when the role is not known before the plan: an
	// expression referring to variables, locals, functions or dependency
	// outputs. It could be any role.
	Unknown bool `json:"unknown"`
	// Via is how the role is assumed: "iam_role" (Terragrunt's, for
	// everything Terragrunt runs), "remote_state" (Terragrunt's
	// remote_state config role_arn, assume_role.role_arn or
	// assume_role_with_web_identity.role_arn), "assume_role" or
	// "assume_role_with_web_identity" (a provider block's).
	Via string `json:"via"`
	// Provider is the provider configuration of a provider block ("aws",
	// "aws.west"); "" for Terragrunt's roles.
	Provider string `json:"provider"`
	// Module is the address of the module with the provider block ("" for
	// the root module and for Terragrunt's roles).
	Module string `json:"module"`
	// File is where the role is written, from the repository root (or,
	// for remote code, within its package); for Terragrunt's roles the
	// unit's configuration file, which may have it from a file it
	// includes. Line is 0 for Terragrunt's roles.
	File string `json:"file"`
	Line int    `json:"line"`
	Origin
}

// ConfigModule is a module instance of the unit's configuration.
type ConfigModule struct {
	// Address is "" for the root module, "module.vpc" below it.
	Address string `json:"address"`
	// Source is the source as written (the root's terraform.source).
	Source string `json:"source"`
	// Version is a git source's ref, a registry module's version
	// argument, or for local modules inside remote code that code's.
	Version string `json:"version"`
	// Kind is "local", "git", "registry", "other" or "generated" (the
	// files a Terragrunt unit's generate blocks write).
	Kind string `json:"kind"`
	// Remote is set for code from outside the repository, Fetched when
	// its code was read (registry and other sources never are).
	Remote  bool `json:"remote"`
	Fetched bool `json:"fetched"`
	// Package is the remote code's address without subfolder and ref
	// ("git::https://host/org/modules.git"); "" for repository code.
	Package string `json:"package"`
	// Dir is the module folder: from the repository root, or within
	// Package for remote code.
	Dir string `json:"dir"`
}

// RequiredProvider is an entry of a required_providers block.
type RequiredProvider struct {
	Name string `json:"name"`
	// Source is as written ("hashicorp/aws"); "" means hashicorp/<name>.
	Source            string `json:"source"`
	VersionConstraint string `json:"version_constraint"`
	// Module is the address of the module declaring it ("" for the root).
	Module string `json:"module"`
}

// Origin marks a block or provisioner that is not in a file of the
// repository: remote code, with the package and version of its module, or
// code a Terragrunt generate block writes. Its keys are absent for the
// repository's files.
type Origin struct {
	ModuleSource  string `json:"module_source,omitempty"`
	ModuleVersion string `json:"module_version,omitempty"`
	Remote        bool   `json:"remote,omitempty"`
	Generated     bool   `json:"generated,omitempty"`
}

// Dependency is a Terragrunt dependency block.
type Dependency struct {
	Name string `json:"name"`
	// Path is the dependency's config_path, relative to the repository root.
	Path string `json:"path"`
}

// ConfigBlock is a resource or data block declared in a plain root.
type ConfigBlock struct {
	Address  string `json:"address"`
	Type     string `json:"type"`
	Name     string `json:"name"`
	Provider string `json:"provider"`
	// File is where the block is declared, relative to the repository
	// root, or to its package for remote code.
	File string `json:"file"`
	Origin
}

// Provisioner is a provisioner block inside a resource of a plain root.
type Provisioner struct {
	// Resource is the address of the resource holding the provisioner.
	Resource string `json:"resource"`
	// Type is e.g. "local-exec", "remote-exec", "file".
	Type string `json:"type"`
	// File is where the provisioner is declared, relative to the
	// repository root, or to its package for remote code.
	File string `json:"file"`
	Origin
}

// Change is a normalised resource change from the plan.
type Change struct {
	Address       string `json:"address"`
	ModuleAddress string `json:"module_address"`
	// Mode is "managed" or "data".
	Mode         string `json:"mode"`
	Type         string `json:"type"`
	Name         string `json:"name"`
	Index        any    `json:"index"`
	ProviderName string `json:"provider_name"`
	// Actions is e.g. ["create"], ["update"], ["delete", "create"].
	Actions []string `json:"actions"`
	// Before and After have every sensitive value replaced by Sensitive.
	Before       any `json:"before"`
	After        any `json:"after"`
	AfterUnknown any `json:"after_unknown"`
}

// Changes normalises the resource changes of plan, masking every value
// marked in before_sensitive/after_sensitive as Sensitive. The plan is not
// modified. A nil plan has no changes.
func Changes(plan *tfjson.Plan) []Change {
	if plan == nil {
		return []Change{}
	}
	out := make([]Change, 0, len(plan.ResourceChanges))
	for _, rc := range plan.ResourceChanges {
		if rc == nil {
			continue
		}
		c := Change{
			Address:       rc.Address,
			ModuleAddress: rc.ModuleAddress,
			Mode:          string(rc.Mode),
			Type:          rc.Type,
			Name:          rc.Name,
			Index:         rc.Index,
			ProviderName:  rc.ProviderName,
			Actions:       []string{},
		}
		if ch := rc.Change; ch != nil {
			for _, a := range ch.Actions {
				c.Actions = append(c.Actions, string(a))
			}
			c.Before = mask(ch.Before, ch.BeforeSensitive)
			c.After = mask(ch.After, ch.AfterSensitive)
			c.AfterUnknown = ch.AfterUnknown
		}
		out = append(out, c)
	}
	return out
}

// withDefaults returns a copy of in with nil slices and maps made empty, so
// the document always has the shape of the schema, and Version filled. The
// plan's sensitive values are masked when it is converted (mask.go).
func (in Input) withDefaults() Input {
	if in.Version == "" {
		in.Version = InputVersion
	}
	in.PR.Labels = orEmpty(in.PR.Labels)
	in.PR.Approvals = orEmpty(in.PR.Approvals)
	for i, a := range in.PR.Approvals {
		if a.Teams == nil { // copy: the caller's slice is not modified
			cp := append([]Approval(nil), in.PR.Approvals...)
			for j := i; j < len(cp); j++ {
				cp[j].Teams = orEmpty(cp[j].Teams)
			}
			in.PR.Approvals = cp
			break
		}
	}
	in.PR.ChangedFiles = orEmpty(in.PR.ChangedFiles)
	if in.Unit.Tags == nil {
		in.Unit.Tags = map[string]string{}
	}
	in.Unit.Credentials.AllowedRoles = orEmpty(in.Unit.Credentials.AllowedRoles)
	if in.Config.Inputs == nil {
		in.Config.Inputs = map[string]any{}
	}
	in.Config.Dependencies = orEmpty(in.Config.Dependencies)
	in.Config.Resources = orEmpty(in.Config.Resources)
	in.Config.DataSources = orEmpty(in.Config.DataSources)
	in.Config.Provisioners = orEmpty(in.Config.Provisioners)
	in.Config.Modules = orEmpty(in.Config.Modules)
	in.Config.RequiredProviders = orEmpty(in.Config.RequiredProviders)
	in.Config.AssumedRoles = orEmpty(in.Config.AssumedRoles)
	in.Changes = orEmpty(in.Changes)
	if in.Values != nil {
		v := *in.Values // copy: the caller's document is not modified
		v.Application.Sources = orEmpty(v.Application.Sources)
		v.ValueFiles = orEmpty(v.ValueFiles)
		v.Changes = orEmpty(v.Changes)
		v.Objects = orEmpty(v.Objects)
		if v.Before == nil {
			v.Before = map[string]any{}
		}
		if v.After == nil {
			v.After = map[string]any{}
		}
		in.Values = &v
	}
	in.ChangesByType = make(map[string][]Change)
	for _, c := range in.Changes {
		in.ChangesByType[c.Type] = append(in.ChangesByType[c.Type], c)
	}
	return in
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// Package terragrunt evaluates Terragrunt configuration (terragrunt.hcl,
// root.hcl and every file they include or read) with hcl/v2, the way
// Terragrunt does, without running Terragrunt.
//
// The evaluator reads through an io/fs file system, so it can evaluate a git
// revision without a checkout, and it records every path it looked at, found
// or not, so callers know exactly which files a unit depends on. Functions
// that would run code from the repository (run_cmd, sops_decrypt_file) are
// refused unless the operator enables them, because a pull request controls
// that code.
package terragrunt

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// Config is the evaluated configuration of one unit, with its includes
// merged as Terragrunt merges them. Paths are slash separated and relative to
// the repository root. Values that depend on things unknown at evaluation
// time (dependency outputs during detection, unset environment variables
// when Options.UnknownEnv is set) are unknown cty values.
type Config struct {
	// Path is the unit's configuration file, e.g. live/prod/vpc/terragrunt.hcl.
	Path string
	// Dir is the unit's directory, e.g. live/prod/vpc.
	Dir string

	Includes  []Include
	Locals    map[string]cty.Value // the unit file's own locals
	Inputs    cty.Value            // an object, merged with the included files' inputs
	Terraform Terraform

	Dependencies []Dependency // dependency blocks, sorted by name
	// DependencyPaths are the directories of the `dependencies { paths }`
	// block: ordering-only dependencies.
	DependencyPaths []string

	RemoteState *RemoteState
	// Generate are the generate blocks and `generate = {…}` entries,
	// sorted by name. Disabled ones (Disable) are kept, as Terragrunt
	// keeps them: their IfDisabled says what happens to an existing file.
	Generate []Generate

	DownloadDir    string
	PreventDestroy bool
	Skip           bool
	// IAMRole is the iam_role attribute, the role Terragrunt assumes
	// before it runs terraform: a string, unknown when it depends on
	// something unknown at evaluation time; cty.NilVal when no file
	// sets it.
	IAMRole cty.Value

	// Reads lists every file the evaluation read, with why, in the order of
	// first reading. The unit's own file is first.
	Reads []FileRead
	// Probes lists every path the evaluation looked at, found or not
	// (find_in_parent_folders tries, fileexists, missing read targets).
	// A change to any of them can change the result.
	Probes []string
	// Globs lists the repository-relative patterns fileset and
	// mark_glob_as_read matched files against (doublestar syntax, see
	// MatchGlob). A file that appears or disappears where one matches can
	// change the result, like a probed path.
	Globs []string
	// Env lists the environment variables get_env looked up.
	Env []EnvLookup
	// UsesRunCmd is set when the configuration calls run_cmd. Evaluated
	// for detection (Options.Command ""), run_cmd returns an unknown value
	// and runs nothing.
	UsesRunCmd bool
	// NewerSyntax lists the uses of syntax older Terragrunt releases
	// reject, in every file the evaluation read, so that a site running
	// such a release can be warned.
	NewerSyntax []NewerSyntax
	// Mocked lists the dependencies whose mock outputs stood in for
	// outputs their state does not have yet (Options.Command set), so
	// that reviewers are told which values are placeholders.
	Mocked []MockedOutputs
}

// MockedOutputs is a dependency whose mock outputs an evaluation used
// because its state lacks them: their real values are known only once
// the dependency is applied.
type MockedOutputs struct {
	Name       string // the dependency block's name
	ConfigPath string // the dependency's unit directory
	// Outputs are the names of the mocked outputs, sorted.
	Outputs []string
}

// Include is an include block of the unit's file.
type Include struct {
	Name          string // "" for a bare `include {}`
	Path          string // the included file
	Expose        bool
	MergeStrategy MergeStrategy
}

// MergeStrategy is how an included file's configuration combines with the
// including unit's.
type MergeStrategy string

// Merge strategies, as Terragrunt names them.
const (
	NoMerge      MergeStrategy = "no_merge"
	ShallowMerge MergeStrategy = "shallow"
	DeepMerge    MergeStrategy = "deep"
)

// Terraform is the terraform block.
type Terraform struct {
	// Source is terraform.source as written after evaluation; "" when no
	// file sets it (the unit's own directory is the module then).
	Source string
	// Module is Source parsed; Kind is NoSource when Source is "".
	Module         ModuleSource
	ExtraArguments []ExtraArguments
	// Hooks are before_hook, after_hook and error_hook blocks. They run
	// commands from the repository when Terragrunt runs; csocbot records
	// them so policy can see them, and its native engine never runs them.
	Hooks         []Hook
	IncludeInCopy []string
}

// ExtraArguments is a terraform.extra_arguments block.
type ExtraArguments struct {
	Name             string
	Commands         []string
	Arguments        []string
	EnvVars          map[string]string
	RequiredVarFiles []string
	OptionalVarFiles []string

	shape cty.Value // the block as read_terragrunt_config shows it
}

// Hook is a terraform.before_hook, after_hook or error_hook block.
type Hook struct {
	Kind     string // before_hook, after_hook, error_hook
	Name     string
	Commands []string
	Execute  []string

	shape cty.Value // the block as read_terragrunt_config shows it
}

// Dependency is a dependency block.
type Dependency struct {
	Name string
	// ConfigPath is the dependency's unit directory, relative to the
	// repository root.
	ConfigPath  string
	Enabled     bool
	SkipOutputs bool
	MockOutputs cty.Value // cty.NilVal when absent
	// MockOutputsAllowedTerraformCommands limits when mocks may be used;
	// empty means any command.
	MockOutputsAllowedTerraformCommands []string
	MockOutputsMergeStrategyWithState   string
	Range                               hcl.Range

	// set names the attributes the block sets: a deep merge with an
	// included file's block of the same name overrides only those.
	set map[string]bool
	// rawConfigPath is config_path as written, and mockMergeWithState
	// mock_outputs_merge_with_state: read_terragrunt_config shows both.
	rawConfigPath      string
	mockMergeWithState bool
}

// RemoteState is the remote_state block.
type RemoteState struct {
	Backend     string
	Config      map[string]cty.Value
	Generate    *GenerateTarget // nil when the backend is not generated
	DisableInit bool
	// DisableDependencyOptimization stops Terragrunt reading dependency
	// outputs through this backend directly.
	DisableDependencyOptimization bool
}

// GenerateTarget is where and how a file is generated.
type GenerateTarget struct {
	Path     string
	IfExists string
}

// Generate is a generate block, or an entry of the generate attribute.
type Generate struct {
	Name             string
	Path             string
	IfExists         string // overwrite, overwrite_terragrunt, skip or error
	Contents         string
	CommentPrefix    string
	DisableSignature bool
	// Disable switches the block off: nothing is written, and IfDisabled
	// (remove, remove_terragrunt or skip) says what becomes of a file
	// already at Path.
	Disable    bool
	IfDisabled string
}

// FileRead is a file the evaluation read.
type FileRead struct {
	Path string
	// Why is how it was read: "config", "include", "read_terragrunt_config",
	// "file", "templatefile", "sops_decrypt_file".
	Why string
}

// EnvLookup is one get_env call's variable and whether it was set.
type EnvLookup struct {
	Name  string
	Value string
	Set   bool
}

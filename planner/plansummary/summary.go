// Package plansummary condenses a Terraform plan, as printed by
// `terraform show -json`, into what a pull-request reviewer needs to read:
// how many resources change, which ones and why, and which attributes go
// from what to what.
//
// The JSON plan format is shared by Terraform 1.x and OpenTofu (format
// versions 1.0 to 1.2); fields added by later versions are optional, so
// older plans simply produce fewer details. Values marked sensitive in the
// plan never reach a Summary: they are replaced by a placeholder before the
// Summary is built, so no renderer can leak them by mistake.
package plansummary

import (
	"fmt"
	"sort"
	"strings"

	tfjson "github.com/hashicorp/terraform-json"
)

// Action is what applying the plan does to one resource instance or output.
type Action string

// Actions a Resource or Output can have. Import and Move are only used when
// the resource is otherwise left alone; an import or move combined with an
// update is an ActionUpdate with Imported or PreviousAddress set.
const (
	ActionCreate  Action = "create"
	ActionUpdate  Action = "update"
	ActionDelete  Action = "delete"
	ActionReplace Action = "replace"
	ActionRead    Action = "read"
	ActionImport  Action = "import"
	ActionMove    Action = "move"
	// ActionForget removes the object from state without destroying it
	// (a `removed` block with `destroy = false`, Terraform 1.7+).
	ActionForget Action = "forget"
)

// Placeholders shown instead of values the plan does not reveal.
const (
	Sensitive       = "(sensitive)"
	KnownAfterApply = "(known after apply)"
)

// Summary is the reviewer's view of one plan.
//
// The counts follow Terraform's own plan line: an imported or moved resource
// that is also updated counts both as an import or move and as an update.
type Summary struct {
	Create, Update, Delete, Replace int
	Import, Move                    int
	// Read counts data sources that can only be read during apply, because
	// their configuration depends on changes not yet made.
	Read   int
	Forget int

	// Resources lists the resource instances with something to show, in
	// plan order. Instances the plan leaves untouched are omitted.
	Resources []Resource
	// Outputs lists changed root module outputs, sorted by name.
	Outputs []Output
}

// NoChanges reports whether applying the plan would change nothing: no
// resource is created, updated, deleted, replaced, imported, moved or
// forgotten and no output changes. Data source reads alone do not count,
// matching Terraform's "No changes" message.
func (s *Summary) NoChanges() bool {
	return s.Create+s.Update+s.Delete+s.Replace+s.Import+s.Move+s.Forget == 0 &&
		len(s.Outputs) == 0
}

// Resource is one resource instance the plan does something to.
type Resource struct {
	Address string
	Action  Action
	// CreateBeforeDestroy is set on replacements that create the new object
	// before destroying the old one; reviewers care because both exist at
	// once for a while.
	CreateBeforeDestroy bool
	// PreviousAddress is the address the instance is moved from, if any.
	PreviousAddress string
	// Imported is set when the instance is imported into state; ImportID is
	// the ID being imported, empty when it is unknown or the import is by
	// identity.
	Imported bool
	ImportID string
	// Reason explains in English why Terraform chose the action, such as
	// "triggers_replace forces replacement"; empty when the action needs no
	// explanation.
	Reason     string
	Attributes []Attribute
}

// Attribute is one changed leaf value of a resource or output.
type Attribute struct {
	// Path locates the value, such as `tags.Name` or
	// `ingress[0].cidr_blocks[1]`.
	Path string
	// Before and After are the values as literals (`"web"`, `443`, `true`,
	// `[]`), or the Sensitive or KnownAfterApply placeholders. An empty
	// string means the value is absent (null) on that side.
	Before, After string
	// ForcesReplacement marks values whose change makes Terraform replace
	// the resource.
	ForcesReplacement bool
}

// Output is a changed root module output.
type Output struct {
	Name   string
	Action Action
	// Attributes holds the changed values; paths start with the output name.
	Attributes []Attribute
}

// Summarize condenses p. It fails only when the plan cannot be trusted to
// say what will happen: an unsupported format version, a resource without
// a change, or actions this package does not understand.
func Summarize(p *tfjson.Plan) (*Summary, error) {
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("unusable terraform plan: %w", err)
	}
	s := &Summary{}
	for _, rc := range p.ResourceChanges {
		if rc == nil {
			continue
		}
		r, ok, err := resource(rc)
		if err != nil {
			return nil, fmt.Errorf("unusable terraform plan: resource %s: %w", rc.Address, err)
		}
		if ok {
			s.count(r)
			s.Resources = append(s.Resources, r)
		}
	}
	names := make([]string, 0, len(p.OutputChanges))
	for name := range p.OutputChanges {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		o, ok, err := output(name, p.OutputChanges[name])
		if err != nil {
			return nil, fmt.Errorf("unusable terraform plan: output %s: %w", name, err)
		}
		if ok {
			s.Outputs = append(s.Outputs, o)
		}
	}
	return s, nil
}

func (s *Summary) count(r Resource) {
	switch r.Action {
	case ActionCreate:
		s.Create++
	case ActionUpdate:
		s.Update++
	case ActionDelete:
		s.Delete++
	case ActionReplace:
		s.Replace++
	case ActionRead:
		s.Read++
	case ActionForget:
		s.Forget++
	}
	if r.Imported {
		s.Import++
	}
	if r.PreviousAddress != "" {
		s.Move++
	}
}

// resource converts one resource change; ok is false for instances that
// are left alone.
func resource(rc *tfjson.ResourceChange) (r Resource, ok bool, err error) {
	c := rc.Change
	if c == nil {
		return Resource{}, false, fmt.Errorf("the plan records no change for it")
	}
	r = Resource{Address: rc.Address}
	if rc.PreviousAddress != "" && rc.PreviousAddress != rc.Address {
		r.PreviousAddress = rc.PreviousAddress
	}
	if c.Importing != nil {
		r.Imported = true
		r.ImportID = c.Importing.ID
	}
	a := c.Actions
	switch {
	case a.Create():
		r.Action = ActionCreate
	case a.Update():
		r.Action = ActionUpdate
	case a.Delete():
		r.Action = ActionDelete
	case a.DestroyBeforeCreate():
		r.Action = ActionReplace
	case a.CreateBeforeDestroy():
		r.Action = ActionReplace
		r.CreateBeforeDestroy = true
	case a.Read():
		r.Action = ActionRead
	case a.Forget():
		r.Action = ActionForget
	case a.NoOp():
		switch {
		case r.Imported:
			r.Action = ActionImport
		case r.PreviousAddress != "":
			r.Action = ActionMove
		default:
			return Resource{}, false, nil
		}
	default:
		return Resource{}, false, fmt.Errorf("unsupported actions %q", a)
	}

	replace, err := parsePaths(c.ReplacePaths)
	if err != nil {
		return Resource{}, false, err
	}
	if r.Action != ActionReplace {
		// Replace paths only mean something for replacements.
		replace = nil
	}
	r.Reason = reason(rc.ActionReason, replace, rc.DeposedKey)
	r.Attributes = diff(nil, c, replace)
	return r, true, nil
}

func output(name string, c *tfjson.Change) (o Output, ok bool, err error) {
	if c == nil {
		return Output{}, false, fmt.Errorf("the plan records no change for it")
	}
	o = Output{Name: name}
	switch a := c.Actions; {
	case a.Create():
		o.Action = ActionCreate
	case a.Update():
		o.Action = ActionUpdate
	case a.Delete():
		o.Action = ActionDelete
	case a.NoOp():
		return Output{}, false, nil
	default:
		return Output{}, false, fmt.Errorf("unsupported actions %q", a)
	}
	o.Attributes = diff(path{name}, c, nil)
	return o, true, nil
}

// reason turns Terraform's action_reason, the replace paths and the deposed
// key into one English phrase.
func reason(ar tfjson.ActionReason, replace []path, deposed string) string {
	var parts []string
	if len(replace) > 0 {
		names := make([]string, len(replace))
		for i, p := range replace {
			names[i] = p.String()
		}
		verb := "forces"
		if len(names) > 1 {
			verb = "force"
		}
		parts = append(parts, strings.Join(names, ", ")+" "+verb+" replacement")
	} else if ar != tfjson.ActionReasonNone {
		parts = append(parts, reasonText(ar))
	}
	if deposed != "" {
		parts = append(parts, "deposed object "+deposed)
	}
	return strings.Join(parts, "; ")
}

func reasonText(ar tfjson.ActionReason) string {
	switch ar {
	case tfjson.ActionReasonReplaceBecauseCannotUpdate:
		return "cannot be updated in place"
	case tfjson.ActionReasonReplaceBecauseTainted:
		return "tainted, so must be replaced"
	case tfjson.ActionReasonReplaceByRequest:
		return "replacement requested with -replace"
	case tfjson.ActionReasonReplaceByTriggers:
		return "replace_triggered_by reference changed"
	case tfjson.ActionReasonDeleteBecauseNoResourceConfig:
		return "no longer in configuration"
	case tfjson.ActionReasonDeleteBecauseWrongRepetition:
		return "count or for_each changed how the resource repeats"
	case tfjson.ActionReasonDeleteBecauseCountIndex:
		return "index out of range for count"
	case tfjson.ActionReasonDeleteBecauseEachKey:
		return "key no longer in for_each"
	case tfjson.ActionReasonDeleteBecauseNoModule:
		return "module no longer in configuration"
	case tfjson.ActionReasonDeleteBecauseNoMoveTarget:
		return "moved to an address not in configuration"
	case tfjson.ActionReasonReadBecauseConfigUnknown:
		return "configuration depends on values known only after apply"
	case tfjson.ActionReasonReadBecauseDependencyPending:
		return "depends on a resource with pending changes"
	case tfjson.ActionReasonReadBecauseCheckNested:
		return "read by a check block"
	}
	// A reason newer than this package: still better than nothing.
	return strings.ReplaceAll(string(ar), "_", " ")
}

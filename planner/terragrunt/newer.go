package terragrunt

import (
	"cmp"
	"fmt"
	"slices"
	"sync"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// NewerSyntax is a use of Terragrunt syntax that csocbot reads but older
// Terragrunt releases reject (or, for sensitive values, fail on), so that a
// site can be told before its own Terragrunt fails on the unit.
type NewerSyntax struct {
	// What names the syntax, e.g. `the "exclude" block`.
	What string
	// Since is a Terragrunt release known to accept it (from Terragrunt's
	// release notes; earlier ones may too). "" means csocbot knows of no
	// such release: only releases up to VerifiedRejectedBy are warned.
	Since string
	File  string // relative to the repository root
	Line  int
}

// VerifiedRejectedBy is the Terragrunt release csocbot's tests check
// every NewerSyntax rule against: it rejects each of them.
const VerifiedRejectedBy = "0.63.6"

var verifiedRejectedBy = version.Must(version.NewVersion(VerifiedRejectedBy))

// RejectedBy reports whether Terragrunt release v rejects the syntax.
func (n NewerSyntax) RejectedBy(v *version.Version) bool {
	if n.Since == "" {
		return !v.GreaterThan(verifiedRejectedBy)
	}
	since, err := version.NewVersion(n.Since)
	return err == nil && v.LessThan(since)
}

// Warning is the message for a site that runs Terragrunt v.
func (n NewerSyntax) Warning(v *version.Version) string {
	msg := fmt.Sprintf("%s:%d: %s: your Terragrunt %s will reject this", n.File, n.Line, n.What, v)
	if n.Since != "" {
		msg += fmt.Sprintf(" (Terragrunt %s accepts it)", n.Since)
	}
	return msg
}

// The newer syntax csocbot recognises, each checked against Terragrunt
// 0.63.6 by TestNewerSyntaxRejectedByTerragrunt063. The Since releases come
// from Terragrunt's release notes and pull requests and err late (feature
// and exclude arrived in 0.69 releases up to 0.69.6, errors in 0.69.6,
// remote_state encryption by 0.72, mark_as_read by 0.75, mark_glob_as_read
// in 1.0.3): a site between the true release and Since is warned without
// need, never the other way round.
var (
	newerBlocks = map[string]string{
		"feature": "0.69.6",
		"exclude": "0.69.6",
		"errors":  "0.69.6",
	}
	newerFunctions = map[string]string{
		"mark_as_read":      "0.75.0",
		"mark_glob_as_read": "1.0.3",
		// 0.63 fails on any sensitive value ("invalid character ','").
		"sensitive": "",
	}
	// Attributes of blocks: remote_state's encryption (OpenTofu state
	// encryption; 0.63 ignores it in the remote_state = {…} attribute
	// form, as it ignores disable_init there) and terraform's version.
	newerBlockAttributes = map[[2]string]string{
		{"remote_state", "encryption"}: "0.72.0",
		{"terraform", "version"}:       "",
	}
	newerAttributes = map[string]string{
		"retry_sleep_interval_sec_max": "",
	}
	// Attributes of the dependency variable beyond outputs and inputs:
	// 0.63 logs an error and makes them "".
	newerDependencyAttributes = map[string]bool{"config_path": true, "mock_outputs": true}
)

// newerRecorder collects the NewerSyntax uses of one evaluation, each once.
type newerRecorder struct {
	mu   sync.Mutex
	uses []NewerSyntax
	seen map[NewerSyntax]bool
}

func (r *newerRecorder) addAll(uses []NewerSyntax) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.seen == nil {
		r.seen = map[NewerSyntax]bool{}
	}
	for _, n := range uses {
		if !r.seen[n] {
			r.seen[n] = true
			r.uses = append(r.uses, n)
		}
	}
}

func (r *newerRecorder) merge(o *newerRecorder) {
	o.mu.Lock()
	uses := slices.Clone(o.uses)
	o.mu.Unlock()
	r.addAll(uses)
}

// newerSyntaxIn lists the newer syntax a parsed file uses (nil for nil).
func newerSyntaxIn(body *hclsyntax.Body) []NewerSyntax {
	if body == nil {
		return nil
	}
	var out []NewerSyntax
	add := func(what, since string, rng hcl.Range) {
		out = append(out, NewerSyntax{What: what, Since: since, File: rng.Filename, Line: rng.Start.Line})
	}
	for name, a := range body.Attributes {
		if since, ok := newerAttributes[name]; ok {
			add(name, since, a.NameRange)
		}
	}
	for _, blk := range body.Blocks {
		if since, ok := newerBlocks[blk.Type]; ok {
			add(fmt.Sprintf("the %q block", blk.Type), since, blk.DefRange())
		}
		for name, a := range blk.Body.Attributes {
			if since, ok := newerBlockAttributes[[2]string{blk.Type, name}]; ok {
				add(blk.Type+"."+name, since, a.NameRange)
			}
		}
	}
	hclsyntax.VisitAll(body, func(n hclsyntax.Node) hcl.Diagnostics {
		switch n := n.(type) {
		case *hclsyntax.FunctionCallExpr:
			if since, ok := newerFunctions[n.Name]; ok {
				add(n.Name+"()", since, n.NameRange)
			}
		case *hclsyntax.ScopeTraversalExpr:
			if attr, ok := dependencyAttribute(n.Traversal); ok && newerDependencyAttributes[attr] {
				add("dependency.<name>."+attr, "", n.SrcRange)
			}
		}
		return nil
	})
	// Attributes come from maps: sort for stable warnings.
	slices.SortFunc(out, func(a, b NewerSyntax) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.What, b.What))
	})
	return out
}

// dependencyAttribute is the attribute a dependency.<name>.<attr>
// reference reads.
func dependencyAttribute(tr hcl.Traversal) (string, bool) {
	if len(tr) < 3 || tr.RootName() != "dependency" {
		return "", false
	}
	attr, ok := tr[2].(hcl.TraverseAttr)
	return attr.Name, ok
}

package terragrunt

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// Limits on evaluating one unit. A pull request controls the
// configuration, and ten lines of it can build gigabytes (a string doubled
// forty times) or loop for hours (nested for expressions): every unit is
// evaluated within these bounds, and one that exceeds them fails alone.
const (
	// DefaultTimeout is how long one unit may take when Options.Timeout
	// is zero.
	DefaultTimeout = 10 * time.Second
	// maxStringLen bounds every string a function or template builds and
	// every file a function reads.
	maxStringLen = 1 << 20
	// maxElements bounds the elements of every collection a function
	// builds.
	maxElements = 100_000
	// maxBudget bounds the total size (see sizeOf) of the values one unit
	// builds: function results, template parts, the elements of lists,
	// objects and for expressions. The largest unit of the Gen3 corpus in
	// testdata builds 8 KB.
	maxBudget = 64 << 20
	// maxValueDepth bounds how deeply values nest; walking values recurses
	// once per level.
	maxValueDepth = 1000
)

// limitError is an evaluation that went over one of the limits.
type limitError struct{ msg string }

func (e *limitError) Error() string { return e.msg }

func limitErrorf(format string, args ...any) error {
	return &limitError{msg: fmt.Sprintf(format, args...)}
}

// meter accounts for what one unit's evaluation builds and checks its
// time. One evaluation runs on one goroutine, read_terragrunt_config
// included.
type meter struct {
	ctx     context.Context
	timeout time.Duration
	start   time.Time
	waited  time.Duration // in DependencyOutputs, which does not count
	used    int64
	// err is the first limit exceeded. Every check fails with it from then
	// on: HCL goes on with the remaining elements of a for expression
	// after one fails, and those must fail fast.
	err error
}

func newMeter(ctx context.Context, timeout time.Duration) *meter {
	return &meter{ctx: ctx, timeout: timeout, start: time.Now()}
}

// check fails once the evaluation went over a limit, ran out of time or
// was cancelled.
func (m *meter) check() error {
	switch {
	case m.err != nil:
		return m.err
	case m.ctx.Err() != nil:
		return m.ctx.Err()
	case m.remaining() <= 0:
		m.err = limitErrorf("evaluating the unit took longer than %v, the limit for one unit; simplify its configuration (loops over large collections, large generated strings, slow run_cmd programs)", m.timeout)
		return m.err
	}
	return nil
}

// remaining is the time the evaluation has left.
func (m *meter) remaining() time.Duration {
	return m.timeout - (time.Since(m.start) - m.waited)
}

// wait runs f, a wait for something other than the evaluation (another
// unit's outputs), without counting its time.
func (m *meter) wait(f func()) {
	start := time.Now()
	f()
	m.waited += time.Since(start)
}

// commandContext bounds a program run for the configuration (run_cmd,
// sops) by the time the evaluation has left.
func (m *meter) commandContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(m.ctx, m.remaining())
}

// charge adds the size of v to what the evaluation built and fails when
// that is over the budget, or v nests too deeply.
func (m *meter) charge(v cty.Value) error {
	if err := m.check(); err != nil {
		return err
	}
	size, err := sizeOf(v, maxBudget-m.used, 0)
	m.used += size
	if err == nil && m.used > maxBudget {
		err = limitErrorf("the unit's configuration builds more than %d MiB of values, the limit for one unit; it probably repeats a large value in a loop or a template", maxBudget>>20)
	}
	m.err = err
	return err
}

// sizeOf estimates the memory v holds, counting shared parts once per
// reference, and stops early once it is over limit.
func sizeOf(v cty.Value, limit int64, depth int) (int64, error) {
	if depth > maxValueDepth {
		return 0, limitErrorf("a value nests more than %d levels deep", maxValueDepth)
	}
	v, _ = v.Unmark()
	switch t := v.Type(); {
	case !v.IsKnown() || v.IsNull():
		return 1, nil
	case t == cty.String:
		if n := len(v.AsString()); n > maxStringLen {
			return 0, limitErrorf("a string of %d bytes is used to build another value; strings may have at most %d bytes", n, maxStringLen)
		}
		return int64(len(v.AsString())) + 16, nil
	case t.IsObjectType():
		size := int64(16)
		for name := range t.AttributeTypes() {
			if size > limit {
				break
			}
			n, err := sizeOf(v.GetAttr(name), limit-size, depth+1)
			size += n + 16 + int64(len(name))
			if err != nil {
				return size, err
			}
		}
		return size, nil
	case t.IsMapType() || isSequence(t) && v.LengthInt() > 1024:
		// An element iterator stops at the limit; AsValueSlice below
		// copies every element first, but allocates once, not per element.
		size := int64(16)
		for it := v.ElementIterator(); it.Next() && size <= limit; {
			k, e := it.Element()
			n, err := sizeOf(e, limit-size, depth+1)
			size += n + 16
			if k.Type() == cty.String {
				size += int64(len(k.AsString()))
			}
			if err != nil {
				return size, err
			}
		}
		return size, nil
	case isSequence(t):
		size := int64(16)
		for _, e := range v.AsValueSlice() {
			if size > limit {
				break
			}
			n, err := sizeOf(e, limit-size, depth+1)
			size += n + 16
			if err != nil {
				return size, err
			}
		}
		return size, nil
	}
	return 16, nil
}

func isSequence(t cty.Type) bool {
	return t.IsListType() || t.IsSetType() || t.IsTupleType()
}

// limitDiagnostics rewrites the diagnostics of a limit error raised in a
// function (or in the meter function of instrument) so that they say
// which limit, not which internal function, failed. It keeps only the
// first: a for expression reports its limit once per remaining element.
func limitDiagnostics(diags hcl.Diagnostics) hcl.Diagnostics {
	out := diags[:0:0]
	seen := false
	for _, d := range diags {
		var le *limitError
		extra, ok := d.Extra.(hclsyntax.FunctionCallDiagExtra)
		if !ok || !errors.As(extra.FunctionCallError(), &le) {
			out = append(out, d)
			continue
		}
		if seen {
			continue
		}
		seen = true
		d.Summary = "Evaluation limit exceeded"
		if name := extra.CalledFunctionName(); name != meterFunctionName {
			d.Detail = fmt.Sprintf("%s: %s.", name, le.msg)
		} else {
			d.Detail = le.msg + "."
		}
		out = append(out, d)
	}
	return out
}

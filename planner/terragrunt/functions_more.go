package terragrunt

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"time"
	"unicode/utf8"

	"github.com/apparentlymart/go-cidr/cidr"
	"github.com/google/uuid"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
	"github.com/zclconf/go-cty/cty/gocty"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/ianaindex"
)

// evaluatorFunctions are the shared functions of an evaluator for
// command. Detection (an empty command) gets unknown values from the
// functions whose result differs on every call: a fresh UUID or time says
// nothing about what a change affects, and must not make a unit's
// configuration differ between two evaluations of one revision.
func evaluatorFunctions(command string) map[string]function.Function {
	funcs := terraformFunctions()
	if command == "" {
		funcs["uuid"] = unknownResult(nil, cty.String)
		funcs["timestamp"] = unknownResult(nil, cty.String)
		funcs["bcrypt"] = unknownResult([]function.Parameter{{Name: "str", Type: cty.String}}, cty.String, function.Parameter{Name: "cost", Type: cty.Number})
	}
	return funcs
}

// unknownResult is a function with the given parameters that returns an
// unknown value of type ret.
func unknownResult(params []function.Parameter, ret cty.Type, varParam ...function.Parameter) function.Function {
	spec := &function.Spec{
		Params: params,
		Type:   function.StaticReturnType(ret),
		Impl:   func([]cty.Value, cty.Type) (cty.Value, error) { return cty.UnknownVal(ret), nil },
	}
	if len(varParam) > 0 {
		spec.VarParam = &varParam[0]
	}
	return function.New(spec)
}

var (
	uuidFunc = function.New(&function.Spec{
		Type: function.StaticReturnType(cty.String),
		Impl: func([]cty.Value, cty.Type) (cty.Value, error) {
			id, err := uuid.NewRandom()
			if err != nil {
				return cty.NilVal, fmt.Errorf("generate a UUID: %w", err)
			}
			return cty.StringVal(id.String()), nil
		},
	})
	// bcryptFunc is Terraform's bcrypt(str, cost = 10). Like Terraform, it
	// leaves the cost to x/crypto, which uses 10 for a cost below 4.
	bcryptFunc = function.New(&function.Spec{
		Params:   []function.Parameter{{Name: "str", Type: cty.String}},
		VarParam: &function.Parameter{Name: "cost", Type: cty.Number},
		Type:     function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			cost := bcrypt.DefaultCost
			switch {
			case len(args) > 2:
				return cty.NilVal, errors.New("takes a string and an optional cost")
			case len(args) == 2:
				if err := gocty.FromCtyValue(args[1], &cost); err != nil {
					return cty.NilVal, function.NewArgErrorf(1, "cost must be a whole number: %s", err)
				}
			}
			hash, err := bcrypt.GenerateFromPassword([]byte(args[0].AsString()), cost)
			if err != nil {
				return cty.NilVal, fmt.Errorf("bcrypt: %w", err)
			}
			return cty.StringVal(string(hash)), nil
		},
	})
)

// timecmpFunc is Terraform's timecmp: -1, 0 or 1 as the first RFC 3339
// timestamp is before, at or after the second.
var timecmpFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "timestamp_a", Type: cty.String}, {Name: "timestamp_b", Type: cty.String}},
	Type:   function.StaticReturnType(cty.Number),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		a, err := time.Parse(time.RFC3339, args[0].AsString())
		if err != nil {
			return cty.NilVal, fmt.Errorf("could not parse first parameter %q: not a valid RFC3339 timestamp: %w", args[0].AsString(), err)
		}
		b, err := time.Parse(time.RFC3339, args[1].AsString())
		if err != nil {
			return cty.NilVal, fmt.Errorf("could not parse second parameter %q: not a valid RFC3339 timestamp: %w", args[1].AsString(), err)
		}
		return cty.NumberIntVal(int64(a.Compare(b))), nil
	},
})

// cidrSubnetsFunc is Terraform's cidrsubnets(prefix, newbits...):
// consecutive subnets of prefix, each newbits longer than it, allocated in
// order as a person would on paper.
var cidrSubnetsFunc = function.New(&function.Spec{
	Params:   []function.Parameter{{Name: "prefix", Type: cty.String}},
	VarParam: &function.Parameter{Name: "newbits", Type: cty.Number},
	Type:     function.StaticReturnType(cty.List(cty.String)),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		_, network, err := net.ParseCIDR(args[0].AsString())
		if err != nil {
			return cty.NilVal, function.NewArgErrorf(0, "invalid CIDR expression: %s", err)
		}
		if len(args) == 1 {
			return cty.ListValEmpty(cty.String), nil
		}
		prefixLen, addrBits := network.Mask.Size()
		lengths := make([]int, len(args)-1)
		for i, a := range args[1:] {
			if lengths[i], err = subnetLength(a, prefixLen, addrBits); err != nil {
				return cty.NilVal, function.NewArgError(i+1, err)
			}
		}
		// Start just before the first subnet, so that NextSubnet gives it.
		current, _ := cidr.PreviousSubnet(network, lengths[0])
		subnets := make([]cty.Value, len(lengths))
		for i, length := range lengths {
			next, rollover := cidr.NextSubnet(current, length)
			if rollover || !network.Contains(next.IP) {
				return cty.NilVal, function.NewArgErrorf(i+1, "not enough remaining address space for a subnet with a prefix of %d bits after %s", length, current)
			}
			current = next
			subnets[i] = cty.StringVal(current.String())
		}
		return cty.ListVal(subnets), nil
	},
})

// subnetLength is the prefix length of a subnet newbits longer than a
// prefix of prefixLen bits in an address of addrBits bits.
func subnetLength(newbits cty.Value, prefixLen, addrBits int) (int, error) {
	var n int
	if err := gocty.FromCtyValue(newbits, &n); err != nil {
		return 0, err
	}
	switch {
	case n < 1:
		return 0, errors.New("must extend prefix by at least one bit")
	case n > 32:
		// Terraform's limit, so that the subnet number fits 32 bits.
		return 0, errors.New("may not extend prefix by more than 32 bits")
	case prefixLen+n > addrBits:
		family := "IPv4"
		if addrBits == 8*net.IPv6len {
			family = "IPv6"
		}
		return 0, fmt.Errorf("would extend prefix to %d bits, which is too long for an %s address", prefixLen+n, family)
	}
	return prefixLen + n, nil
}

// transposeFunc is Terraform's transpose: a map of lists of strings turned
// inside out, each string becoming a key listing the keys it was under.
var transposeFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "values", Type: cty.Map(cty.List(cty.String))}},
	Type:   function.StaticReturnType(cty.Map(cty.List(cty.String))),
	Impl: func(args []cty.Value, retType cty.Type) (cty.Value, error) {
		if !args[0].IsWhollyKnown() {
			return cty.UnknownVal(retType), nil
		}
		out := map[string][]cty.Value{}
		for it := args[0].ElementIterator(); it.Next(); {
			key, list := it.Element()
			if list.IsNull() {
				return cty.NilVal, fmt.Errorf("the list under %q is null; transpose needs a map of lists of strings", key.AsString())
			}
			for elems := list.ElementIterator(); elems.Next(); {
				_, v := elems.Element()
				if v.IsNull() {
					return cty.NilVal, fmt.Errorf("the list under %q holds a null; transpose needs a map of lists of strings", key.AsString())
				}
				out[v.AsString()] = append(out[v.AsString()], key)
			}
		}
		if len(out) == 0 {
			return cty.MapValEmpty(cty.List(cty.String)), nil
		}
		m := make(map[string]cty.Value, len(out))
		for k, keys := range out {
			m[k] = cty.ListVal(keys)
		}
		return cty.MapVal(m), nil
	},
})

// matchKeysFunc is Terraform's matchkeys(values, keys, searchset): the
// values whose corresponding key is in searchset, in order.
var matchKeysFunc = function.New(&function.Spec{
	Params: []function.Parameter{
		{Name: "values", Type: cty.List(cty.DynamicPseudoType)},
		{Name: "keys", Type: cty.List(cty.DynamicPseudoType)},
		{Name: "searchset", Type: cty.List(cty.DynamicPseudoType)},
	},
	Type: func(args []cty.Value) (cty.Type, error) {
		if ty, _ := convert.UnifyUnsafe([]cty.Type{args[1].Type(), args[2].Type()}); ty == cty.NilType {
			return cty.NilType, errors.New("keys and searchset must be of the same type")
		}
		return args[0].Type(), nil
	},
	Impl: func(args []cty.Value, retType cty.Type) (cty.Value, error) {
		values := args[0]
		if !values.IsKnown() {
			return cty.UnknownVal(retType), nil
		}
		if values.LengthInt() != args[1].LengthInt() {
			return cty.NilVal, errors.New("length of keys and values should be equal")
		}
		ty, _ := convert.UnifyUnsafe([]cty.Type{args[1].Type(), args[2].Type()})
		keys, _ := convert.Convert(args[1], ty)
		searchset, _ := convert.Convert(args[2], ty)
		empty := cty.ListValEmpty(retType.ElementType())
		if searchset.LengthInt() == 0 {
			return empty, nil
		}
		if !values.IsWhollyKnown() || !keys.IsWhollyKnown() {
			return cty.UnknownVal(retType), nil
		}
		var out []cty.Value
		for i, key := range keys.AsValueSlice() {
			found, known, err := inList(key, searchset)
			switch {
			case err != nil:
				return cty.NilVal, err
			case !known:
				// As Terraform does.
				return empty, nil
			case found:
				out = append(out, values.Index(cty.NumberIntVal(int64(i))))
			}
		}
		if len(out) == 0 {
			return empty, nil
		}
		return cty.ListVal(out), nil
	},
})

// inList reports whether v equals an element of list, and whether that
// can be known yet.
func inList(v, list cty.Value) (found, known bool, err error) {
	for it := list.ElementIterator(); it.Next(); {
		_, e := it.Element()
		eq, err := stdlib.Equal(v, e)
		if err != nil {
			return false, false, err
		}
		if !eq.IsKnown() {
			return false, false, nil
		}
		if eq.True() {
			return true, true, nil
		}
	}
	return false, true, nil
}

// uuidV5Func is Terraform's uuidv5(namespace, name): a name-based UUID in
// one of the standard namespaces ("dns", "url", "oid", "x500") or any
// namespace given as a UUID.
var uuidV5Func = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "namespace", Type: cty.String}, {Name: "name", Type: cty.String}},
	Type:   function.StaticReturnType(cty.String),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		ns, err := uuidNamespace(args[0].AsString())
		if err != nil {
			return cty.NilVal, err
		}
		return cty.StringVal(uuid.NewSHA1(ns, []byte(args[1].AsString())).String()), nil
	},
})

func uuidNamespace(name string) (uuid.UUID, error) {
	switch name {
	case "dns":
		return uuid.NameSpaceDNS, nil
	case "url":
		return uuid.NameSpaceURL, nil
	case "oid":
		return uuid.NameSpaceOID, nil
	case "x500":
		return uuid.NameSpaceX500, nil
	}
	ns, err := uuid.Parse(name)
	if err != nil {
		return uuid.Nil, fmt.Errorf("uuidv5() doesn't support namespace %s (%w); use dns, url, oid, x500 or a UUID", name, err)
	}
	return ns, nil
}

// base64GzipFunc is Terraform's base64gzip, byte for byte: Terraform
// flushes before closing, which adds an empty block to the stream.
var base64GzipFunc = stringFunc([]string{"str"}, func(a []string) (cty.Value, error) {
	var b bytes.Buffer
	gz := gzip.NewWriter(&b)
	if _, err := gz.Write([]byte(a[0])); err != nil {
		return cty.NilVal, fmt.Errorf("failed to write gzip raw data: %w", err)
	}
	if err := gz.Flush(); err != nil {
		return cty.NilVal, fmt.Errorf("failed to flush gzip writer: %w", err)
	}
	if err := gz.Close(); err != nil {
		return cty.NilVal, fmt.Errorf("failed to close gzip writer: %w", err)
	}
	return cty.StringVal(base64.StdEncoding.EncodeToString(b.Bytes())), nil
}, cty.String)

// textEncodeBase64Func is Terraform's textencodebase64(string, encoding):
// the string in the named character encoding, as base64.
var textEncodeBase64Func = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "string", Type: cty.String}, {Name: "encoding", Type: cty.String}},
	Type:   function.StaticReturnType(cty.String),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		enc, name, err := textEncoding(args[1].AsString())
		if err != nil {
			return cty.NilVal, err
		}
		b, err := enc.NewEncoder().Bytes([]byte(args[0].AsString()))
		if err != nil {
			return cty.NilVal, function.NewArgErrorf(0, "the given string contains characters that cannot be represented in %s", name)
		}
		return cty.StringVal(base64.StdEncoding.EncodeToString(b)), nil
	},
})

// textDecodeBase64Func is Terraform's textdecodebase64(source, encoding),
// the inverse of textencodebase64.
var textDecodeBase64Func = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "source", Type: cty.String}, {Name: "encoding", Type: cty.String}},
	Type:   function.StaticReturnType(cty.String),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		enc, name, err := textEncoding(args[1].AsString())
		if err != nil {
			return cty.NilVal, err
		}
		raw, err := base64.StdEncoding.DecodeString(args[0].AsString())
		if err != nil {
			var corrupt base64.CorruptInputError
			if errors.As(err, &corrupt) {
				return cty.NilVal, function.NewArgErrorf(0, "the given value has an invalid base64 symbol at offset %d", int64(corrupt))
			}
			return cty.NilVal, function.NewArgErrorf(0, "invalid base64: %s", err)
		}
		text, err := enc.NewDecoder().Bytes(raw)
		if err != nil || bytes.ContainsRune(text, utf8.RuneError) {
			return cty.NilVal, function.NewArgErrorf(0, "the given string contains symbols that are not defined for %s", name)
		}
		return cty.StringVal(string(text)), nil
	},
})

// textEncoding looks up an IANA character encoding name or alias and
// returns the encoding with its canonical name.
func textEncoding(name string) (encoding.Encoding, string, error) {
	enc, err := ianaindex.IANA.Encoding(name)
	if err != nil || enc == nil {
		return nil, "", function.NewArgErrorf(1, "%q is not a supported IANA encoding name or alias", name)
	}
	canonical, err := ianaindex.IANA.Name(enc)
	if err != nil {
		canonical = name
	}
	return enc, canonical, nil
}

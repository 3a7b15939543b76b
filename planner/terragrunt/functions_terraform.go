package terragrunt

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/apparentlymart/go-cidr/cidr"
	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	ctyyaml "github.com/zclconf/go-cty-yaml"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// terraformFunctions are the Terraform language functions that need no
// file system or unit context. They are built once and shared: every file's
// evaluation context inherits them.
func terraformFunctions() map[string]function.Function {
	return map[string]function.Function{
		// strings
		"chomp": stdlib.ChompFunc, "format": stdlib.FormatFunc, "formatlist": stdlib.FormatListFunc,
		"indent": stdlib.IndentFunc, "join": stdlib.JoinFunc, "lower": stdlib.LowerFunc,
		"upper": stdlib.UpperFunc, "regex": stdlib.RegexFunc, "regexall": stdlib.RegexAllFunc,
		"replace": replaceFunc, "split": stdlib.SplitFunc, "strrev": stdlib.ReverseFunc,
		"substr": stdlib.SubstrFunc, "title": stdlib.TitleFunc, "trim": stdlib.TrimFunc,
		"trimprefix": stdlib.TrimPrefixFunc, "trimsuffix": stdlib.TrimSuffixFunc,
		"trimspace": stdlib.TrimSpaceFunc, "startswith": startsWithFunc, "endswith": endsWithFunc,
		"strcontains": strContainsFunc,
		// numbers
		"abs": stdlib.AbsoluteFunc, "ceil": stdlib.CeilFunc, "floor": stdlib.FloorFunc,
		"log": stdlib.LogFunc, "max": stdlib.MaxFunc, "min": stdlib.MinFunc,
		"parseint": stdlib.ParseIntFunc, "pow": stdlib.PowFunc, "signum": stdlib.SignumFunc,
		// collections
		"alltrue": allTrueFunc, "anytrue": anyTrueFunc, "chunklist": stdlib.ChunklistFunc,
		"coalesce": coalesceFunc, "coalescelist": stdlib.CoalesceListFunc,
		"compact": stdlib.CompactFunc, "concat": stdlib.ConcatFunc, "contains": stdlib.ContainsFunc,
		"distinct": stdlib.DistinctFunc, "element": stdlib.ElementFunc, "flatten": stdlib.FlattenFunc,
		"index": indexFunc, "keys": stdlib.KeysFunc, "length": lengthFunc,
		"lookup": stdlib.LookupFunc, "merge": stdlib.MergeFunc, "range": stdlib.RangeFunc,
		"reverse": stdlib.ReverseListFunc, "setintersection": stdlib.SetIntersectionFunc,
		"setproduct": stdlib.SetProductFunc, "setsubtract": stdlib.SetSubtractFunc,
		"setunion": stdlib.SetUnionFunc, "slice": stdlib.SliceFunc, "sort": stdlib.SortFunc,
		"sum": sumFunc, "values": stdlib.ValuesFunc, "zipmap": stdlib.ZipmapFunc, "one": oneFunc,
		"transpose": transposeFunc, "matchkeys": matchKeysFunc,
		// encoding
		"base64decode": base64DecodeFunc, "base64encode": base64EncodeFunc,
		"csvdecode": stdlib.CSVDecodeFunc, "jsondecode": stdlib.JSONDecodeFunc,
		"jsonencode": stdlib.JSONEncodeFunc, "yamldecode": ctyyaml.YAMLDecodeFunc,
		"yamlencode": ctyyaml.YAMLEncodeFunc, "urlencode": urlEncodeFunc,
		"base64gzip": base64GzipFunc, "textencodebase64": textEncodeBase64Func,
		"textdecodebase64": textDecodeBase64Func, "uuidv5": uuidV5Func,
		// hashing
		"md5":          hashFunc(func(b []byte) []byte { s := md5.Sum(b); return s[:] }),
		"sha1":         hashFunc(func(b []byte) []byte { s := sha1.Sum(b); return s[:] }),
		"sha256":       hashFunc(func(b []byte) []byte { s := sha256.Sum256(b); return s[:] }),
		"sha512":       hashFunc(func(b []byte) []byte { s := sha512.Sum512(b); return s[:] }),
		"base64sha256": base64HashFunc(func(b []byte) []byte { s := sha256.Sum256(b); return s[:] }),
		"base64sha512": base64HashFunc(func(b []byte) []byte { s := sha512.Sum512(b); return s[:] }),
		// time
		"formatdate": stdlib.FormatDateFunc, "timeadd": stdlib.TimeAddFunc, "timecmp": timecmpFunc,
		// network
		"cidrhost": cidrHostFunc, "cidrnetmask": cidrNetmaskFunc, "cidrsubnet": cidrSubnetFunc,
		"cidrsubnets": cidrSubnetsFunc,
		// types
		"tobool": stdlib.MakeToFunc(cty.Bool), "tolist": stdlib.MakeToFunc(cty.List(cty.DynamicPseudoType)),
		"tomap": stdlib.MakeToFunc(cty.Map(cty.DynamicPseudoType)), "tonumber": stdlib.MakeToFunc(cty.Number),
		"toset": stdlib.MakeToFunc(cty.Set(cty.DynamicPseudoType)), "tostring": stdlib.MakeToFunc(cty.String),
		"try": tryfunc.TryFunc, "can": tryfunc.CanFunc,
		// csocbot does not track sensitivity: both return their argument.
		"sensitive": identityFunc, "nonsensitive": identityFunc,
		// impure: unknown during detection (see evaluatorFunctions)
		"uuid": uuidFunc, "timestamp": timestampFunc, "bcrypt": bcryptFunc,
	}
}

func stringFunc(params []string, impl func(args []string) (cty.Value, error), ret cty.Type) function.Function {
	ps := make([]function.Parameter, len(params))
	for i, n := range params {
		ps[i] = function.Parameter{Name: n, Type: cty.String}
	}
	return function.New(&function.Spec{
		Params: ps,
		Type:   function.StaticReturnType(ret),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			ss := make([]string, len(args))
			for i, a := range args {
				ss[i] = a.AsString()
			}
			return impl(ss)
		},
	})
}

var (
	startsWithFunc = stringFunc([]string{"str", "prefix"}, func(a []string) (cty.Value, error) {
		return cty.BoolVal(strings.HasPrefix(a[0], a[1])), nil
	}, cty.Bool)
	endsWithFunc = stringFunc([]string{"str", "suffix"}, func(a []string) (cty.Value, error) {
		return cty.BoolVal(strings.HasSuffix(a[0], a[1])), nil
	}, cty.Bool)
	strContainsFunc = stringFunc([]string{"str", "substr"}, func(a []string) (cty.Value, error) {
		return cty.BoolVal(strings.Contains(a[0], a[1])), nil
	}, cty.Bool)
	base64EncodeFunc = stringFunc([]string{"str"}, func(a []string) (cty.Value, error) {
		return cty.StringVal(base64.StdEncoding.EncodeToString([]byte(a[0]))), nil
	}, cty.String)
	base64DecodeFunc = stringFunc([]string{"str"}, func(a []string) (cty.Value, error) {
		b, err := base64.StdEncoding.DecodeString(a[0])
		if err != nil {
			return cty.NilVal, fmt.Errorf("failed to decode base64 data: %w", err)
		}
		return cty.StringVal(string(b)), nil
	}, cty.String)
	urlEncodeFunc = stringFunc([]string{"str"}, func(a []string) (cty.Value, error) {
		// Terraform's urlencode is url.QueryEscape: a space is "+".
		return cty.StringVal(url.QueryEscape(a[0])), nil
	}, cty.String)
	// replace treats a substring wrapped in slashes as a regular expression,
	// as Terraform does.
	replaceFunc = stringFunc([]string{"str", "substr", "replace"}, func(a []string) (cty.Value, error) {
		if len(a[1]) > 1 && strings.HasPrefix(a[1], "/") && strings.HasSuffix(a[1], "/") {
			re, err := regexp.Compile(a[1][1 : len(a[1])-1])
			if err != nil {
				return cty.NilVal, fmt.Errorf("invalid regular expression %s: %w", a[1], err)
			}
			return cty.StringVal(re.ReplaceAllString(a[0], a[2])), nil
		}
		return cty.StringVal(strings.ReplaceAll(a[0], a[1], a[2])), nil
	}, cty.String)
	timestampFunc = function.New(&function.Spec{
		Type: function.StaticReturnType(cty.String),
		Impl: func([]cty.Value, cty.Type) (cty.Value, error) {
			return cty.StringVal(time.Now().UTC().Format(time.RFC3339)), nil
		},
	})
)

func hashFunc(sum func([]byte) []byte) function.Function {
	return stringFunc([]string{"str"}, func(a []string) (cty.Value, error) {
		return cty.StringVal(hex.EncodeToString(sum([]byte(a[0])))), nil
	}, cty.String)
}

func base64HashFunc(sum func([]byte) []byte) function.Function {
	return stringFunc([]string{"str"}, func(a []string) (cty.Value, error) {
		return cty.StringVal(base64.StdEncoding.EncodeToString(sum([]byte(a[0])))), nil
	}, cty.String)
}

func boolListFunc(all bool) function.Function {
	return function.New(&function.Spec{
		Params: []function.Parameter{{Name: "list", Type: cty.List(cty.Bool)}},
		Type:   function.StaticReturnType(cty.Bool),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			if !args[0].IsWhollyKnown() {
				return cty.UnknownVal(cty.Bool), nil
			}
			for it := args[0].ElementIterator(); it.Next(); {
				_, v := it.Element()
				// As in Terraform, null counts as false.
				if v.IsNull() {
					if all {
						return cty.False, nil
					}
					continue
				}
				if v.True() != all {
					return cty.BoolVal(!all), nil
				}
			}
			return cty.BoolVal(all), nil
		},
	})
}

var (
	allTrueFunc = boolListFunc(true)
	anyTrueFunc = boolListFunc(false)
	sumFunc     = function.New(&function.Spec{
		Params: []function.Parameter{{Name: "list", Type: cty.DynamicPseudoType}},
		Type:   function.StaticReturnType(cty.Number),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			l := args[0]
			if !l.CanIterateElements() || l.LengthInt() == 0 {
				return cty.NilVal, fmt.Errorf("sum needs a non-empty list or set of numbers")
			}
			total := cty.Zero
			for it := l.ElementIterator(); it.Next(); {
				_, v := it.Element()
				n, err := convertNumber(v)
				if err != nil {
					return cty.NilVal, err
				}
				if !n.IsKnown() {
					return cty.UnknownVal(cty.Number), nil
				}
				total = total.Add(n)
			}
			return total, nil
		},
	})
	identityFunc = function.New(&function.Spec{
		Params: []function.Parameter{{Name: "value", Type: cty.DynamicPseudoType, AllowNull: true, AllowUnknown: true, AllowDynamicType: true}},
		Type:   func(args []cty.Value) (cty.Type, error) { return args[0].Type(), nil },
		Impl:   func(args []cty.Value, _ cty.Type) (cty.Value, error) { return args[0], nil },
	})
	// lengthFunc is Terraform's length, which also counts the attributes
	// of an object (what an HCL literal like {a = 1} is) and the
	// characters of a string; go-cty's takes neither.
	lengthFunc = function.New(&function.Spec{
		Params: []function.Parameter{{Name: "value", Type: cty.DynamicPseudoType, AllowUnknown: true, AllowDynamicType: true}},
		Type:   function.StaticReturnType(cty.Number),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			v := args[0]
			switch t := v.Type(); {
			case t == cty.DynamicPseudoType || (t == cty.String && !v.IsKnown()):
				return cty.UnknownVal(cty.Number), nil
			case t == cty.String:
				return stdlib.Strlen(v)
			case t.IsCollectionType() || t.IsTupleType() || t.IsObjectType():
				return v.Length(), nil
			}
			return cty.NilVal, fmt.Errorf("length needs a string, list, map, set, tuple or object, not %s", v.Type().FriendlyName())
		},
	})
	// coalesceFunc is Terraform's coalesce: the first argument that is
	// neither null nor an empty string (go-cty's only skips nulls).
	coalesceFunc = function.New(&function.Spec{
		VarParam: &function.Parameter{Name: "vals", Type: cty.DynamicPseudoType, AllowUnknown: true, AllowDynamicType: true, AllowNull: true},
		Type: func(args []cty.Value) (cty.Type, error) {
			types := make([]cty.Type, len(args))
			for i, a := range args {
				types[i] = a.Type()
			}
			ty, _ := convert.UnifyUnsafe(types)
			if ty == cty.NilType {
				return cty.NilType, fmt.Errorf("all arguments must have the same type")
			}
			return ty, nil
		},
		Impl: func(args []cty.Value, retType cty.Type) (cty.Value, error) {
			for _, a := range args {
				a, err := convert.Convert(a, retType)
				if err != nil {
					return cty.NilVal, err
				}
				switch {
				case !a.IsKnown():
					return cty.UnknownVal(retType), nil
				case a.IsNull(), retType == cty.String && a.RawEquals(cty.StringVal("")):
					continue
				}
				return a, nil
			}
			return cty.NilVal, fmt.Errorf("no non-null, non-empty-string arguments")
		},
	})
	oneFunc = function.New(&function.Spec{
		Params: []function.Parameter{{Name: "list", Type: cty.DynamicPseudoType}},
		Type:   function.StaticReturnType(cty.DynamicPseudoType),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			l := args[0]
			if !l.CanIterateElements() {
				return cty.NilVal, fmt.Errorf("one needs a list, set or tuple")
			}
			switch l.LengthInt() {
			case 0:
				return cty.NullVal(cty.DynamicPseudoType), nil
			case 1:
				it := l.ElementIterator()
				it.Next()
				_, v := it.Element()
				return v, nil
			}
			return cty.NilVal, fmt.Errorf("one needs a collection with no more than one element, got %d", l.LengthInt())
		},
	})
	// indexFunc is Terraform's index(list, value): the position of value.
	indexFunc = function.New(&function.Spec{
		Params: []function.Parameter{{Name: "list", Type: cty.DynamicPseudoType}, {Name: "value", Type: cty.DynamicPseudoType}},
		Type:   function.StaticReturnType(cty.Number),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			l := args[0]
			if !(l.Type().IsListType() || l.Type().IsTupleType()) {
				return cty.NilVal, fmt.Errorf("index needs a list or tuple")
			}
			if !l.IsWhollyKnown() || !args[1].IsWhollyKnown() {
				return cty.UnknownVal(cty.Number), nil
			}
			for it := l.ElementIterator(); it.Next(); {
				k, v := it.Element()
				if eq := v.Equals(args[1]); eq.IsKnown() && eq.True() {
					return k, nil
				}
			}
			return cty.NilVal, fmt.Errorf("item not found")
		},
	})
)

func convertNumber(v cty.Value) (cty.Value, error) {
	if !v.IsKnown() {
		return v, nil
	}
	n, err := convert.Convert(v, cty.Number)
	if err != nil {
		return cty.NilVal, fmt.Errorf("sum needs numbers: %w", err)
	}
	if n.IsNull() {
		return cty.NilVal, fmt.Errorf("sum needs numbers, not null")
	}
	return n, nil
}

// wholeNumber is a function argument that must be a finite integer, such
// as a host or network number: log(0) is -Inf, which big.Float.Int cannot
// represent.
func wholeNumber(v cty.Value, what string) (*big.Int, error) {
	f := v.AsBigFloat()
	if f.IsInf() || !f.IsInt() {
		return nil, fmt.Errorf("%s must be a whole number, got %s", what, f.Text('g', 10))
	}
	n, _ := f.Int(nil)
	return n, nil
}

var (
	cidrHostFunc = function.New(&function.Spec{
		Params: []function.Parameter{{Name: "prefix", Type: cty.String}, {Name: "hostnum", Type: cty.Number}},
		Type:   function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			_, network, err := net.ParseCIDR(args[0].AsString())
			if err != nil {
				return cty.NilVal, fmt.Errorf("invalid CIDR expression: %w", err)
			}
			n, err := wholeNumber(args[1], "hostnum")
			if err != nil {
				return cty.NilVal, err
			}
			ip, err := cidr.HostBig(network, n)
			if err != nil {
				return cty.NilVal, err
			}
			return cty.StringVal(ip.String()), nil
		},
	})
	cidrNetmaskFunc = function.New(&function.Spec{
		Params: []function.Parameter{{Name: "prefix", Type: cty.String}},
		Type:   function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			_, network, err := net.ParseCIDR(args[0].AsString())
			if err != nil {
				return cty.NilVal, fmt.Errorf("invalid CIDR expression: %w", err)
			}
			return cty.StringVal(net.IP(network.Mask).String()), nil
		},
	})
	cidrSubnetFunc = function.New(&function.Spec{
		Params: []function.Parameter{{Name: "prefix", Type: cty.String}, {Name: "newbits", Type: cty.Number}, {Name: "netnum", Type: cty.Number}},
		Type:   function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			_, network, err := net.ParseCIDR(args[0].AsString())
			if err != nil {
				return cty.NilVal, fmt.Errorf("invalid CIDR expression: %w", err)
			}
			newbits, err := wholeNumber(args[1], "newbits")
			if err != nil {
				return cty.NilVal, err
			}
			netnum, err := wholeNumber(args[2], "netnum")
			if err != nil {
				return cty.NilVal, err
			}
			ones, bits := network.Mask.Size()
			if newbits.Sign() < 0 || newbits.Cmp(big.NewInt(int64(bits-ones))) > 0 {
				return cty.NilVal, fmt.Errorf("cannot extend prefix /%d by %s bits: the address has %d bits", ones, newbits, bits)
			}
			sub, err := cidr.SubnetBig(network, int(newbits.Int64()), netnum)
			if err != nil {
				return cty.NilVal, err
			}
			return cty.StringVal(sub.String()), nil
		},
	})
)

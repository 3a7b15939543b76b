package helmrender

import (
	"cmp"
	"fmt"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"

	yamlv2 "go.yaml.in/yaml/v2"
	releaseutil "helm.sh/helm/v4/pkg/release/v1/util"
	"sigs.k8s.io/yaml"
)

// redacted replaces every Secret value in Object.YAML.
const redacted = "(redacted)"

// clusterScoped lists the common kinds that have no namespace; other kinds
// get the release namespace when their manifest names none.
var clusterScoped = map[string]bool{
	"APIService": true, "CSIDriver": true, "CSINode": true, "CertificateSigningRequest": true,
	"ClusterIssuer": true, "ClusterRole": true, "ClusterRoleBinding": true,
	"ClusterSecretStore": true, "ClusterExternalSecret": true, "CustomResourceDefinition": true,
	"IngressClass": true, "MutatingWebhookConfiguration": true, "Namespace": true, "Node": true,
	"PersistentVolume": true, "PodSecurityPolicy": true, "PriorityClass": true, "RuntimeClass": true,
	"StorageClass": true, "ValidatingAdmissionPolicy": true, "ValidatingAdmissionPolicyBinding": true,
	"ValidatingWebhookConfiguration": true, "VolumeAttachment": true, "VolumeSnapshotClass": true,
}

// objectsOf writes the YAML of objects.
func objectsOf(lazy []lazyObject) ([]Object, error) {
	objs := make([]Object, len(lazy))
	for i, o := range lazy {
		var err error
		if objs[i], err = o.object(); err != nil {
			return nil, err
		}
	}
	return objs, nil
}

// lazyObject is an object whose YAML is written only when asked for:
// Compare needs it only for the objects that differ.
type lazyObject struct {
	obj  Object // without its YAML
	docs []*objDoc
}

// object is the object with its YAML: its documents' joined by "---".
func (o lazyObject) object() (Object, error) {
	obj := o.obj
	for i, d := range o.docs {
		y, err := d.yaml()
		if err != nil {
			return Object{}, err
		}
		if i == 0 {
			obj.YAML = y
		} else {
			obj.YAML += "---\n" + y
		}
	}
	return obj, nil
}

// parseDocs turns Helm's rendered templates into objects keyed by kind,
// namespace and name, their YAML not written yet. Empty documents,
// NOTES.txt and documents without a kind are skipped; an object rendered
// twice keeps both documents. cache, when not nil, keeps parsed documents
// for later renders.
func parseDocs(rendered map[string]string, namespace string, cache *docCache) ([]lazyObject, error) {
	byKey := map[string]int{}
	var objs []lazyObject
	for _, file := range slices.Sorted(maps.Keys(rendered)) {
		if path.Base(file) == "NOTES.txt" {
			continue
		}
		docs := releaseutil.SplitManifests(rendered[file])
		for _, id := range slices.SortedFunc(maps.Keys(docs), manifestOrder) {
			d, err := cache.parse(docs[id])
			if err != nil {
				return nil, fmt.Errorf("YAML parse error on %s: %w", file, err)
			}
			if d == nil {
				continue
			}
			obj := d.obj
			obj.YAML = ""
			if obj.Namespace == "" && !clusterScoped[obj.Kind] {
				obj.Namespace = namespace
			}
			key := obj.Kind + "/" + obj.Namespace + "/" + obj.Name
			if i, dup := byKey[key]; dup {
				objs[i].docs = append(objs[i].docs, d)
				continue
			}
			byKey[key] = len(objs)
			objs = append(objs, lazyObject{obj: obj, docs: []*objDoc{d}})
		}
	}
	slices.SortFunc(objs, func(a, b lazyObject) int { return compareObjects(a.obj, b.obj) })
	return objs, nil
}

// diffDocs is DiffObjects of two renders, writing the YAML of only the
// objects whose documents differ: the same documents (parsed once, through
// the Run's cache) write the same YAML. An error is a side's (0 the
// base, 1 the head) failing to write an object's YAML.
func diffDocs(before, after []lazyObject) ([]ObjectChange, [2]error) {
	type key struct{ kind, ns, name string }
	keyOf := func(o lazyObject) key { return key{o.obj.Kind, o.obj.Namespace, o.obj.Name} }
	old := make(map[key]lazyObject, len(before))
	for _, o := range before {
		old[keyOf(o)] = o
	}
	same := make(map[key]bool, len(after))
	for _, n := range after {
		if o, ok := old[keyOf(n)]; ok && slices.Equal(o.docs, n.docs) {
			same[keyOf(n)] = true
		}
	}
	var objs [2][]Object
	for i, side := range [][]lazyObject{before, after} {
		for _, o := range side {
			if same[keyOf(o)] {
				// Equal on both sides, so left out of the changes.
				objs[i] = append(objs[i], o.obj)
				continue
			}
			obj, err := o.object()
			if err != nil {
				var errs [2]error
				errs[i] = err
				return nil, errs
			}
			objs[i] = append(objs[i], obj)
		}
	}
	return DiffObjects(objs[0], objs[1]), [2]error{}
}

// manifestOrder sorts SplitManifests' "manifest-N" keys by N.
func manifestOrder(a, b string) int {
	na, _ := strconv.Atoi(strings.TrimPrefix(a, "manifest-"))
	nb, _ := strconv.Atoi(strings.TrimPrefix(b, "manifest-"))
	return cmp.Compare(na, nb)
}

// docCache keeps parsed documents: the base and head renders of an
// application share most of theirs, applications rendering one chart
// share many (those naming neither release nor host), and parsing YAML is
// a large part of a render. It holds at most maxBytes of documents, each
// counted as three times its text (the text and the parsed tree), and is
// emptied when full.
type docCache struct {
	mu       sync.Mutex
	docs     map[string]parsedDoc
	size     int
	maxBytes int
}

type parsedDoc struct {
	doc *objDoc
	err error
}

// objDoc is a parsed document of an object: the object (Namespace as the
// document gives it), and the YAML or the tree to write it from.
type objDoc struct {
	obj  Object // YAML set when conv is nil
	conv any    // the tree canonicalYAML writes, when not yet written
}

// yaml is the document's canonical YAML.
func (d *objDoc) yaml() (string, error) {
	if d.conv == nil {
		return d.obj.YAML, nil
	}
	out, err := yamlv2.Marshal(d.conv)
	return string(out), err
}

// parse is parseObject through the cache; a nil cache parses.
func (c *docCache) parse(doc string) (*objDoc, error) {
	if c == nil {
		return parseObject(doc)
	}
	c.mu.Lock()
	d, hit := c.docs[doc]
	c.mu.Unlock()
	if hit {
		return d.doc, d.err
	}
	d.doc, d.err = parseObject(doc)
	n := 3 * len(doc)
	if d.doc != nil {
		n += len(d.doc.obj.YAML)
	}
	c.mu.Lock()
	if c.docs == nil || c.size+n > c.maxBytes {
		c.docs, c.size = map[string]parsedDoc{}, 0
	}
	if n <= c.maxBytes {
		c.docs[doc] = d
		c.size += n
	}
	c.mu.Unlock()
	return d.doc, d.err
}

// parseObject parses a document; nil for one that is not an object.
func parseObject(doc string) (*objDoc, error) {
	var v any
	if err := yaml.Unmarshal([]byte(doc), &v); err != nil {
		return nil, err
	}
	m, _ := v.(map[string]any)
	kind, _ := m["kind"].(string)
	if kind == "" {
		return nil, nil
	}
	apiVersion, _ := m["apiVersion"].(string)
	meta, _ := m["metadata"].(map[string]any)
	name, _ := meta["name"].(string)
	ns, _ := meta["namespace"].(string)
	obj := Object{Kind: kind, Namespace: ns, Name: name, APIVersion: apiVersion}
	if kind == "Secret" && (apiVersion == "v1" || apiVersion == "") {
		// Values are dropped, not digested: a comment must not carry a
		// secret, nor a digest to check guesses of it against.
		for _, field := range []string{"data", "stringData"} {
			if data, ok := m[field].(map[string]any); ok {
				for k := range data {
					data[k] = redacted
				}
			}
		}
	}
	// The YAML is written when asked for (canonicalYAML in two steps), but
	// for a tree canonicalYAML would hand to yaml.Marshal, which can fail.
	if conv, ok := asReadFromJSON(m); ok {
		return &objDoc{obj: obj, conv: conv}, nil
	}
	out, err := yaml.Marshal(m)
	if err != nil {
		return nil, err
	}
	obj.YAML = string(out)
	return &objDoc{obj: obj}, nil
}

func compareObjects(a, b Object) int {
	return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
}

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

// parseObjects turns Helm's rendered templates into objects keyed by kind,
// namespace and name. Empty documents, NOTES.txt and documents without a
// kind are skipped; an object rendered twice keeps both documents. cache,
// when not nil, keeps parsed documents for later renders.
func parseObjects(rendered map[string]string, namespace string, cache *docCache) ([]Object, error) {
	byKey := map[string]int{}
	var objs []Object
	for _, file := range slices.Sorted(maps.Keys(rendered)) {
		if path.Base(file) == "NOTES.txt" {
			continue
		}
		docs := releaseutil.SplitManifests(rendered[file])
		for _, id := range slices.SortedFunc(maps.Keys(docs), manifestOrder) {
			obj, ok, err := cache.parse(docs[id], namespace)
			if err != nil {
				return nil, fmt.Errorf("YAML parse error on %s: %w", file, err)
			}
			if !ok {
				continue
			}
			key := obj.Kind + "/" + obj.Namespace + "/" + obj.Name
			if i, dup := byKey[key]; dup {
				objs[i].YAML += "---\n" + obj.YAML
				continue
			}
			byKey[key] = len(objs)
			objs = append(objs, obj)
		}
	}
	slices.SortFunc(objs, compareObjects)
	return objs, nil
}

// manifestOrder sorts SplitManifests' "manifest-N" keys by N.
func manifestOrder(a, b string) int {
	na, _ := strconv.Atoi(strings.TrimPrefix(a, "manifest-"))
	nb, _ := strconv.Atoi(strings.TrimPrefix(b, "manifest-"))
	return cmp.Compare(na, nb)
}

// docCache keeps parsed documents: the base and head renders of an
// application share most of theirs, and parsing and re-marshalling YAML is
// a large part of a render. It holds at most maxBytes of documents and is
// emptied when full.
type docCache struct {
	mu       sync.Mutex
	docs     map[string]parsedDoc
	size     int
	maxBytes int
}

type parsedDoc struct {
	obj Object
	ok  bool
	err error
}

// parse is parseObject through the cache; a nil cache parses.
func (c *docCache) parse(doc, namespace string) (Object, bool, error) {
	if c == nil {
		return parseObject(doc, namespace)
	}
	key := namespace + "\x00" + doc
	c.mu.Lock()
	d, hit := c.docs[key]
	c.mu.Unlock()
	if hit {
		return d.obj, d.ok, d.err
	}
	d.obj, d.ok, d.err = parseObject(doc, namespace)
	n := 2*len(key) + len(d.obj.YAML)
	c.mu.Lock()
	if c.docs == nil || c.size+n > c.maxBytes {
		c.docs, c.size = map[string]parsedDoc{}, 0
	}
	if n <= c.maxBytes {
		c.docs[key] = d
		c.size += n
	}
	c.mu.Unlock()
	return d.obj, d.ok, d.err
}

func parseObject(doc, namespace string) (Object, bool, error) {
	var v any
	if err := yaml.Unmarshal([]byte(doc), &v); err != nil {
		return Object{}, false, err
	}
	m, _ := v.(map[string]any)
	kind, _ := m["kind"].(string)
	if kind == "" {
		return Object{}, false, nil
	}
	apiVersion, _ := m["apiVersion"].(string)
	meta, _ := m["metadata"].(map[string]any)
	name, _ := meta["name"].(string)
	ns, _ := meta["namespace"].(string)
	if ns == "" && !clusterScoped[kind] {
		ns = namespace
	}
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
	out, err := canonicalYAML(m)
	if err != nil {
		return Object{}, false, err
	}
	obj.YAML = string(out)
	return obj, true, nil
}

func compareObjects(a, b Object) int {
	return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
}

package ack_test

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"

	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/arns"
	"github.com/eventstack-io/eventstack-operator/internal/localcluster"
)

// Every row of ack.Kinds states every fact: no function is missing (a kind
// with nothing to say has a no-op), the Go types agree with the kind, and
// the row is found by its type and by its name.
func TestEveryKindHasEveryFact(t *testing.T) {
	if len(ack.Kinds) == 0 {
		t.Fatal("no kinds")
	}
	seen := map[string]bool{}
	for i := range ack.Kinds {
		k := &ack.Kinds[i]
		name := k.GVK.Kind
		t.Run(name, func(t *testing.T) {
			if seen[name] {
				t.Fatalf("%s listed twice", name)
			}
			seen[name] = true
			if k.GVK.Group == "" || k.GVK.Version == "" || name == "" {
				t.Errorf("incomplete GVK %v", k.GVK)
			}
			if k.Controller == "" || k.Plural == "" {
				t.Errorf("controller %q, plural %q: both are needed", k.Controller, k.Plural)
			}
			if k.Latency <= 0 {
				t.Errorf("latency %v: the stand-in needs one", k.Latency)
			}
			v := reflect.ValueOf(*k)
			for f := 0; f < v.NumField(); f++ {
				if fv := v.Field(f); fv.Kind() == reflect.Func && fv.IsNil() {
					t.Errorf("%s has no %s", name, v.Type().Field(f).Name)
				}
			}
			if t.Failed() {
				return
			}
			obj := k.New()
			if got := ack.KindOf(obj); got != k {
				t.Errorf("KindOf(%T) = %v", obj, got)
			}
			if got := ack.KindNamed(name); got != k {
				t.Errorf("KindNamed(%q) = %v", name, got)
			}
			items := reflect.ValueOf(k.List()).Elem().FieldByName("Items")
			if !items.IsValid() || items.Type().Elem() != reflect.TypeOf(obj).Elem() {
				t.Errorf("%T does not list %T", k.List(), obj)
			}
			// On an empty child every fact is safe to ask, and ACK has
			// said nothing yet.
			_ = k.AWSName(obj)
			_ = k.ARN(obj, arns.Scope{Region: "us-east-1", Account: "123456789012"}, "id")
			k.Digest(obj, func(*string) {})
			k.Compact(obj, identityCompactor{})
			if a := k.Assess(obj); a != (ack.Assessment{}) {
				t.Errorf("an empty %s assessed %+v", name, a)
			}
		})
	}
	if ack.KindOf(nil) != nil || ack.KindNamed("EventBus") != nil {
		t.Error("kinds this operator does not create through ACK have no row")
	}
}

// Every kind is one of the real ACK CRDs of its controller's pinned release,
// under its plural, group and version, and that CRD is one the tests install
// (localcluster.ACKReleases).
func TestEveryKindIsARealACKCRD(t *testing.T) {
	files, err := localcluster.ACKCRDFiles()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range ack.Kinds {
		t.Run(k.GVK.Kind, func(t *testing.T) {
			file := k.GVK.Group + "_" + k.Plural + ".yaml"
			i := slices.IndexFunc(files, func(f string) bool { return filepath.Base(f) == file })
			if i < 0 {
				t.Fatalf("%s is not among the pinned ACK CRDs (localcluster.ACKReleases): %v", file, files)
			}
			if release := filepath.Base(filepath.Dir(files[i])); !strings.HasPrefix(release, k.Controller+"-controller-") {
				t.Errorf("%s is in %s, not in the %s controller's release", file, release, k.Controller)
			}
			raw, err := os.ReadFile(files[i])
			if err != nil {
				t.Fatal(err)
			}
			crd := &apiextensionsv1.CustomResourceDefinition{}
			if err := yaml.Unmarshal(raw, crd); err != nil {
				t.Fatal(err)
			}
			if crd.Spec.Group != k.GVK.Group || crd.Spec.Names.Kind != k.GVK.Kind || crd.Spec.Names.Plural != k.Plural {
				t.Errorf("the CRD is %s %s (%s), the row %v (%s)", crd.Spec.Group, crd.Spec.Names.Kind, crd.Spec.Names.Plural, k.GVK, k.Plural)
			}
			if !slices.ContainsFunc(crd.Spec.Versions, func(v apiextensionsv1.CustomResourceDefinitionVersion) bool {
				return v.Name == k.GVK.Version && v.Served
			}) {
				t.Errorf("the CRD serves no version %s", k.GVK.Version)
			}
		})
	}
}

// On every child the builders make, the row of its kind is found, and the ARN
// it derives is in the scope's account and names the child's AWS name.
func TestKindFactsOnRenderedChildren(t *testing.T) {
	res := converge(t, kitchenSink())
	scope := arns.Scope{Region: "eu-west-1", Account: "210987654321"}
	for _, c := range res.Children {
		k := ack.KindOf(c.Object)
		if k == nil || k.GVK.Kind != c.Kind {
			t.Errorf("%s %s: row %v", c.Kind, c.Name, k)
			continue
		}
		arn := k.ARN(c.Object, scope, "generated-id")
		if name := k.AWSName(c.Object); name != "" && !strings.HasSuffix(arn, name) {
			t.Errorf("%s %s: ARN %s does not end with its AWS name %s", c.Kind, c.Name, arn, name)
		}
		if k.AWSName(c.Object) == "" && !strings.HasSuffix(arn, ":generated-id") {
			t.Errorf("%s %s: ARN %s does not end with the id AWS generates", c.Kind, c.Name, arn)
		}
		if !strings.HasPrefix(arn, "arn:aws:") || (arns.Account(arn) != scope.Account && k.GVK.Kind != "Subscription") {
			t.Errorf("%s %s: ARN %s is not in %v", c.Kind, c.Name, arn, scope)
		}
	}
}

// identityCompactor shares nothing: it returns what it is given.
type identityCompactor struct{}

func (identityCompactor) Intern(p *string) *string                       { return p }
func (identityCompactor) Key(s string) string                            { return s }
func (identityCompactor) TagList(tags []*ack.Tag) []*ack.Tag             { return tags }
func (identityCompactor) TagMap(m map[string]*string) map[string]*string { return m }

// The operator's ClusterRole (generated from the RBAC markers on the
// reconciler) lets it do to every kind of the table what it does to its
// children: a row added without its marker would be refused by the API server
// at the first apply, in a cluster only.
func TestEveryKindIsInTheManagerRole(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(localcluster.RepoRoot(), "config", "rbac", "role.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var role struct {
		Rules []struct {
			APIGroups []string `json:"apiGroups"`
			Resources []string `json:"resources"`
			Verbs     []string `json:"verbs"`
		} `json:"rules"`
	}
	if err := yaml.Unmarshal(raw, &role); err != nil {
		t.Fatal(err)
	}
	need := []string{"get", "list", "watch", "create", "update", "patch", "delete"}
	for _, k := range ack.Kinds {
		granted := map[string]bool{}
		for _, r := range role.Rules {
			if slices.Contains(r.APIGroups, k.GVK.Group) && slices.Contains(r.Resources, k.Plural) {
				for _, v := range r.Verbs {
					granted[v] = true
				}
			}
		}
		for _, v := range need {
			if !granted[v] {
				t.Errorf("config/rbac/role.yaml does not grant %s on %s.%s: add the kind to the RBAC markers on the reconciler", v, k.Plural, k.GVK.Group)
			}
		}
	}
}

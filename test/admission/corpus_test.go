// Package admission runs the admission corpus: specs written from AWS's
// documentation (and Event Ruler's and SNS's rules) that AWS would refuse,
// each of which admission must refuse naming the field and the rule, and
// specs at the limits that must be accepted. Each runs through the
// validating webhook (the spec's checks and the platform's guardrails, as a
// tenant's namespace sets them) and, where it needs no cluster, through
// kubectl eds render -f: the same Go code.
//
// A corpus file is a stack's YAML with a header of comments:
//
//	# rule: <the document, or Event Ruler's or SNS's rule, it rests on>   (every file)
//	# field: <the field the refusal must name>                            (bad)
//	# message: <words the refusal must hold>                              (bad; repeatable)
//	# tenancy: strict                                                     (the strict guardrails)
//	# namespace: <name>                                                   (default "team-a")
//	# annotation: <key>=<value>                                           (on the namespace; repeatable)
//	# existing: <namespace>/<file in corpus/existing>                     (a stack there already; repeatable)
//	# rolemap: <account>=<role ARN>                                       (in ACK's role map; repeatable)
package admission

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/yaml"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/cli"
	"github.com/eventstack-io/eventstack-operator/internal/tenancy"
	"github.com/eventstack-io/eventstack-operator/internal/webhook"
)

// header is what a corpus file's comments say.
type header struct {
	rule, field string
	messages    []string
	strict      bool
	namespace   string
	annotations map[string]string
	existing    []string
	rolemap     map[string]string
}

func readCase(t *testing.T, path string) (header, *v1alpha1.EventDrivenStack) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	h := header{namespace: "team-a", annotations: map[string]string{}, rolemap: map[string]string{}}
	for _, line := range strings.Split(string(raw), "\n") {
		if !strings.HasPrefix(line, "# ") {
			continue
		}
		key, value, ok := strings.Cut(strings.TrimPrefix(line, "# "), ": ")
		if !ok {
			continue
		}
		value = strings.TrimSpace(value)
		switch key {
		case "rule":
			h.rule = value
		case "field":
			h.field = value
		case "message":
			h.messages = append(h.messages, value)
		case "tenancy":
			h.strict = value == "strict"
		case "namespace":
			h.namespace = value
		case "annotation":
			k, v, _ := strings.Cut(value, "=")
			h.annotations[k] = v
		case "existing":
			h.existing = append(h.existing, value)
		case "rolemap":
			k, v, _ := strings.Cut(value, "=")
			h.rolemap[k] = v
		}
	}
	if h.rule == "" {
		t.Fatalf("%s: no '# rule:' header saying what it rests on", path)
	}
	stack := &v1alpha1.EventDrivenStack{}
	if err := yaml.UnmarshalStrict(raw, stack); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if stack.Namespace == "" {
		stack.Namespace = h.namespace
	}
	return h, stack
}

// validator is the webhook as the operator runs it, over a cluster holding
// the case's namespace and existing stacks.
func validator(t *testing.T, h header, stack *v1alpha1.EventDrivenStack) webhook.StackValidator {
	t.Helper()
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	objs := []client.Object{&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: stack.Namespace, Annotations: h.annotations}}}
	names := tenancy.NewNameIndex()
	for _, e := range h.existing {
		ns, file, _ := strings.Cut(e, "/")
		_, other := readCase(t, filepath.Join("corpus", "existing", file))
		other.Namespace = ns
		other.UID = types.UID("existing-" + ns + "-" + file)
		objs = append(objs, other, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
		names.Set(other)
	}
	if len(h.rolemap) > 0 {
		objs = append(objs, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: tenancy.DefaultACKSystemNamespace, Name: tenancy.RoleAccountMap}, Data: h.rolemap})
	}
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(objs...).Build()
	policy := tenancy.Policy{}
	if h.strict {
		policy = tenancy.Strict()
	}
	return webhook.StackValidator{Tenancy: &tenancy.Guard{Policy: policy, Reader: c, Names: names}}
}

func files(t *testing.T, dir string) []string {
	t.Helper()
	out, err := filepath.Glob(filepath.Join("corpus", dir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Every bad spec is refused at admission, naming its field and the rule's
// words; where it needs no cluster, kubectl eds render refuses it the same.
func TestBadSpecsAreRefused(t *testing.T) {
	cases := files(t, "bad")
	if len(cases) == 0 {
		t.Fatal("no bad specs in corpus/bad")
	}
	for _, path := range cases {
		t.Run(filepath.Base(path), func(t *testing.T) {
			h, stack := readCase(t, path)
			if h.field == "" || len(h.messages) == 0 {
				t.Fatalf("a bad spec needs '# field:' and '# message:' headers")
			}
			_, err := validator(t, h, stack).ValidateCreate(context.Background(), stack)
			if err == nil {
				t.Fatalf("admitted; it breaks: %s", h.rule)
			}
			check := func(where, msg string) {
				if !strings.Contains(msg, h.field) {
					t.Errorf("%s: the refusal does not name %s:\n%s", where, h.field, msg)
				}
				for _, m := range h.messages {
					if !strings.Contains(msg, m) {
						t.Errorf("%s: the refusal lacks %q:\n%s", where, m, msg)
					}
				}
			}
			check("admission", err.Error())
			if h.strict || len(h.existing) > 0 {
				return // a cluster's guardrails: kubectl eds render has none
			}
			var out, errOut bytes.Buffer
			if code := cli.Main(context.Background(), []string{"render", "-f", path}, cli.Streams{In: strings.NewReader(""), Out: &out, Err: &errOut}); code == 0 {
				t.Fatalf("kubectl eds render accepted it")
			}
			check("kubectl eds render", errOut.String())
		})
	}
}

// Every good spec at a limit is accepted, by admission and by kubectl eds
// render.
func TestGoodSpecsAtTheLimitsAreAccepted(t *testing.T) {
	cases := files(t, "good")
	if len(cases) == 0 {
		t.Fatal("no good specs in corpus/good")
	}
	for _, path := range cases {
		t.Run(filepath.Base(path), func(t *testing.T) {
			h, stack := readCase(t, path)
			if _, err := validator(t, h, stack).ValidateCreate(context.Background(), stack); err != nil {
				t.Fatalf("refused (%s):\n%v", h.rule, err)
			}
			if h.strict || len(h.existing) > 0 {
				return
			}
			var out, errOut bytes.Buffer
			if code := cli.Main(context.Background(), []string{"render", "-f", path}, cli.Streams{In: strings.NewReader(""), Out: &out, Err: &errOut}); code != 0 {
				t.Fatalf("kubectl eds render refused it:\n%s", errOut.String())
			}
		})
	}
}

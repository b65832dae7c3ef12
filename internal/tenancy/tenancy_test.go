package tenancy

import (
	"flag"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/test/seed"
)

func namespace(name string, ann map[string]string, lbl map[string]string) *corev1.Namespace {
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Annotations: ann, Labels: lbl}}
}

// Each guardrail of the strict policy refuses at its field, naming the rule;
// the namespace's annotation relaxes it.
func TestStrictPolicy(t *testing.T) {
	p := Strict()
	seedIn := func() *v1alpha1.EventDrivenStack {
		s := seed.Stack(t, "team-a")
		s.Spec.NamePrefix = "team-a--"
		return s
	}
	cases := []struct {
		name      string
		mutate    func(*v1alpha1.EventDrivenStack)
		relax     map[string]string // annotations that allow it
		field     string
		inMessage string
	}{
		{"no namePrefix", func(s *v1alpha1.EventDrivenStack) { s.Spec.NamePrefix = "" }, map[string]string{AnnotationNamePrefix: ""},
			"spec.namePrefix", `must have a namePrefix that starts with "team-a--" (operator flag --name-prefix-pattern={namespace}--)`},
		{"another team's prefix", func(s *v1alpha1.EventDrivenStack) { s.Spec.NamePrefix = "team-b-" }, map[string]string{AnnotationNamePrefix: "team-b-"},
			"spec.namePrefix", `"team-a--"`},
		{"the former default prefix", func(s *v1alpha1.EventDrivenStack) { s.Spec.NamePrefix = "team-a-" }, map[string]string{AnnotationNamePrefix: "team-a-"},
			"spec.namePrefix", `"team-a--"`},
		{"adoption", func(s *v1alpha1.EventDrivenStack) {
			s.Spec.Adoption = &v1alpha1.Adoption{Policy: v1alpha1.AdoptionAdoptOrCreate, AccountID: "111111111111"}
		}, map[string]string{AnnotationAllowAdoption: "true"}, "spec.adoption.policy", "adopting existing AWS resources is not allowed in namespace team-a"},
		{"a role of the platform's", func(s *v1alpha1.EventDrivenStack) {
			s.Spec.Functions[0].RoleARN = "arn:aws:iam::123456789012:role/admin"
		},
			map[string]string{AnnotationAllowedRoleARNs: "arn:aws:iam::*:role/{namespace}--*, arn:aws:iam::123456789012:role/admin"},
			"spec.functions[0].roleARN", `role "arn:aws:iam::123456789012:role/admin" is not one the platform allows in namespace team-a (allowed: none`},
		{"code from any bucket", func(s *v1alpha1.EventDrivenStack) {}, map[string]string{AnnotationAllowedCodeBuckets: "eventstack-*"},
			"spec.functions[0].code.s3Bucket", `code bucket "eventstack-artifacts"`},
		{"an image of another repository", func(s *v1alpha1.EventDrivenStack) {
			s.Spec.Functions = s.Spec.Functions[:1]
			s.Spec.Functions[0].Code = v1alpha1.FunctionCode{ImageURI: "123456789012.dkr.ecr.us-east-1.amazonaws.com/other/app@sha256:" + strings.Repeat("a", 64)}
			s.Spec.Workflows = nil
			s.Spec.Rules = s.Spec.Rules[:1]
		}, map[string]string{AnnotationAllowedImageRepositories: "123456789012.dkr.ecr.us-east-1.amazonaws.com/other/*"},
			"spec.functions[0].code.imageURI", `image repository "123456789012.dkr.ecr.us-east-1.amazonaws.com/other/app"`},
		{"a rule putting events on another account's bus", func(s *v1alpha1.EventDrivenStack) {
			s.Spec.Rules[0].Targets = append(s.Spec.Rules[0].Targets, v1alpha1.RuleTarget{EventBusARN: "arn:aws:events:us-east-1:999999999999:event-bus/central"})
		}, map[string]string{AnnotationAllowedEventBuses: "arn:aws:events:*:999999999999:event-bus/central"},
			"spec.rules[0].targets[1].eventBusARN", `event bus "arn:aws:events:us-east-1:999999999999:event-bus/central" is not one the platform allows in namespace team-a`},
		{"a rule putting events on another team's bus of the account", func(s *v1alpha1.EventDrivenStack) {
			s.Spec.Rules[0].Targets = append(s.Spec.Rules[0].Targets, v1alpha1.RuleTarget{EventBusARN: "arn:aws:events:us-east-1:111111111111:event-bus/team-b--orders"})
		}, map[string]string{AnnotationAllowedEventBuses: "arn:aws:events:*:111111111111:event-bus/team-b--orders"},
			"spec.rules[0].targets[1].eventBusARN", `names starting "team-a--"`},
		{"a workflow calling outside the stack", func(s *v1alpha1.EventDrivenStack) {
			s.Spec.Workflows[0].Definition = `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:999999999999:function:theirs","End":true}}}`
		}, map[string]string{AnnotationAllowExternalCalls: "true"}, "spec.workflows[0].definition",
			"state A calls arn:aws:lambda:us-east-1:999999999999:function:theirs, which is not a component of this stack"},
		{"a workflow calling a function named at run time", func(s *v1alpha1.EventDrivenStack) {
			s.Spec.Workflows[0].Definition = `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName.$":"$.fn"},"End":true}}}`
		}, map[string]string{AnnotationAllowExternalCalls: "true"}, "spec.workflows[0].definition", "lambda:invoke of the FunctionName given at run time"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := seedIn()
			tc.mutate(s)
			// The seed's code buckets are allowed but in the bucket case.
			base := map[string]string{AnnotationAllowedCodeBuckets: "eventstack-artifacts"}
			if tc.field == "spec.functions[0].code.s3Bucket" {
				base = map[string]string{}
			}
			base[AnnotationOwnerAccountID] = "111111111111"
			errs := p.Check(s, namespace("team-a", base, nil))
			found := false
			for _, e := range errs {
				if e.Field == tc.field && strings.Contains(e.Error(), tc.inMessage) {
					found = true
				}
			}
			if !found {
				t.Fatalf("errors %v, want one at %s with %q", errs, tc.field, tc.inMessage)
			}
			relaxed := map[string]string{}
			for k, v := range base {
				relaxed[k] = v
			}
			for k, v := range tc.relax {
				relaxed[k] = v
			}
			if errs := p.Check(s, namespace("team-a", relaxed, nil)); len(errs) != 0 {
				t.Errorf("with %v: %v", tc.relax, errs)
			}
		})
	}
	// The namespace's own bus (its account, its prefix) needs no allowlist.
	own := seedIn()
	own.Spec.Rules[0].Targets = append(own.Spec.Rules[0].Targets, v1alpha1.RuleTarget{EventBusARN: "arn:aws:events:us-east-1:111111111111:event-bus/team-a--audit"})
	if errs := p.Check(own, namespace("team-a", map[string]string{AnnotationAllowedCodeBuckets: "eventstack-artifacts", AnnotationOwnerAccountID: "111111111111"}, nil)); len(errs) != 0 {
		t.Errorf("the namespace's own bus: %v", errs)
	}
	// Outside the namespaces the policy applies to, nothing is restricted.
	p.Namespaces = labels.SelectorFromSet(labels.Set{"tenant": "true"})
	if errs := p.Check(seed.Stack(t, "platform"), namespace("platform", nil, nil)); len(errs) != 0 {
		t.Errorf("a namespace outside the selector: %v", errs)
	}
	if errs := p.Check(seed.Stack(t, "x"), namespace("x", nil, map[string]string{"tenant": "true"})); len(errs) == 0 {
		t.Error("a namespace the selector picks is not restricted")
	}
	// The open policy restricts nothing.
	if errs := Open().Check(seed.Stack(t, "any"), namespace("any", nil, nil)); len(errs) != 0 {
		t.Errorf("open policy: %v", errs)
	}
}

func TestAccountOf(t *testing.T) {
	roles := map[string]string{"111111111111": "arn:aws:iam::111111111111:role/eventstack"}
	mapped := namespace("a", map[string]string{AnnotationOwnerAccountID: "111111111111"}, nil)
	if acct, err := Open().AccountOf(mapped, roles, "ack-system"); err != nil || acct.ID != "111111111111" || acct.RoleARN != roles["111111111111"] {
		t.Errorf("mapped: %+v, %v", acct, err)
	}
	unknown := namespace("b", map[string]string{AnnotationOwnerAccountID: "222222222222"}, nil)
	if _, err := Open().AccountOf(unknown, roles, "ack-system"); err == nil || !strings.Contains(err.Error(), "ConfigMap ack-system/ack-role-account-map has no role for that account") {
		t.Errorf("account without a role: %v", err)
	}
	plain := namespace("c", nil, nil)
	if acct, err := Open().AccountOf(plain, roles, "ack-system"); err != nil || acct != (Account{}) {
		t.Errorf("unmapped, open: %+v, %v", acct, err)
	}
	if _, err := Strict().AccountOf(plain, roles, "ack-system"); err == nil || !strings.Contains(err.Error(), "namespace c is not mapped to an AWS account") {
		t.Errorf("unmapped, strict: %v", err)
	}
}

// The stack that claimed a name first owns it; a stack being admitted owns
// nothing against an existing one.
func TestOwnership(t *testing.T) {
	old := seed.Stack(t, "team-a")
	old.UID, old.CreationTimestamp = types.UID("a"), metav1.NewTime(time.Now().Add(-time.Hour))
	twin := seed.Stack(t, "team-b")
	if !Owns(old, twin) || Owns(twin, old) {
		t.Fatal("an existing stack does not own against one being admitted")
	}
	twin.UID, twin.CreationTimestamp = types.UID("b"), metav1.Now()
	claimers := map[string][]*v1alpha1.EventDrivenStack{}
	for _, k := range NameKeys(old) {
		claimers[k] = append(claimers[k], old)
	}
	conflicts := Conflicts(twin, claimers)
	if len(conflicts) != len(NameKeys(twin)) {
		t.Errorf("%d conflicts of %d names", len(conflicts), len(NameKeys(twin)))
	}
	msgs := make([]string, len(conflicts))
	for i, c := range conflicts {
		msgs[i] = c.Error()
	}
	if !strings.Contains(strings.Join(msgs, "\n"), "Table event-driven-orders is managed by stack team-a/event-driven-stack (spec.tables[0].name)") {
		t.Errorf("conflicts:\n%s", strings.Join(msgs, "\n"))
	}
	if len(Conflicts(old, map[string][]*v1alpha1.EventDrivenStack{NameKeys(old)[0]: {twin}})) != 0 {
		t.Error("the owner conflicts with a younger twin")
	}
	// Another region: other names, but the IAM roles are global.
	other := seed.Stack(t, "team-c")
	other.Spec.Region = "eu-west-1"
	other.UID, other.CreationTimestamp = types.UID("c"), metav1.Now()
	for _, c := range Conflicts(other, claimers) {
		if c.Name.Kind != "Role" {
			t.Errorf("a %s conflicts across regions", c.Name.Kind)
		}
	}
}

func TestMatchAndImageRepository(t *testing.T) {
	for _, c := range []struct {
		pattern, value string
		want           bool
	}{
		{"arn:aws:iam::*:role/team-a-*", "arn:aws:iam::123456789012:role/team-a-orders", true},
		{"arn:aws:iam::*:role/team-a-*", "arn:aws:iam::123456789012:role/team-b-orders", false},
		{"arn:aws:iam::*:role/*", "arn:aws:iam::123456789012:role/path/x", true},
		{"bucket.a", "bucketxa", false},
	} {
		if got := Match(c.pattern, c.value); got != c.want {
			t.Errorf("Match(%q, %q) = %v", c.pattern, c.value, got)
		}
	}
	for uri, want := range map[string]string{
		"1.dkr.ecr.us-east-1.amazonaws.com/app:v1":        "1.dkr.ecr.us-east-1.amazonaws.com/app",
		"1.dkr.ecr.us-east-1.amazonaws.com/a/b@sha256:00": "1.dkr.ecr.us-east-1.amazonaws.com/a/b",
		"localhost:5000/app":                              "localhost:5000/app",
	} {
		if got := ImageRepository(uri); got != want {
			t.Errorf("ImageRepository(%s) = %s", uri, got)
		}
	}
}

func TestFlags(t *testing.T) {
	var f Flags
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	f.Bind(fs)
	if err := fs.Parse([]string{"--tenancy=strict", "--adoption=allowed", "--allowed-role-arns=*", "--require-account-mapping=false", "--allowed-data-buckets=*",
		"--tenancy-namespace-selector=tenant=true"}); err != nil {
		t.Fatal(err)
	}
	p, err := f.Policy()
	if err != nil {
		t.Fatal(err)
	}
	if p.NamePrefix != "{namespace}--" || p.Adoption != Allowed || p.RoleARNs.Restricted || !p.CodeBuckets.Restricted || p.DataBuckets.Restricted || p.RequireAccount ||
		p.Namespaces.String() != "tenant=true" {
		t.Errorf("policy %+v", p)
	}
	var bad Flags
	fs = flag.NewFlagSet("y", flag.ContinueOnError)
	bad.Bind(fs)
	_ = fs.Parse([]string{"--adoption=sometimes"})
	if _, err := bad.Policy(); err == nil || !strings.Contains(err.Error(), "--adoption") {
		t.Errorf("a bad mode: %v", err)
	}
}

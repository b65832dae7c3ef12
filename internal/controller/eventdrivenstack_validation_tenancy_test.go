package controller_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/tenancy"
	"github.com/eventstack-io/eventstack-operator/test/harness"
)

// tenantNamespace creates a namespace the operator treats as a tenant's
// (the strict guardrails apply), with the annotations the platform set.
func tenantNamespace(t *testing.T, annotations map[string]string) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "tenant-",
		Labels: map[string]string{harness.TenantLabel: "true"}, Annotations: annotations}}
	if err := k8s.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	return ns.Name
}

// roleMap writes ACK's role map (ack-system/ack-role-account-map).
func roleMap(t *testing.T, roles map[string]string) {
	t.Helper()
	ctx := context.Background()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: tenancy.DefaultACKSystemNamespace}}
	if err := k8s.Create(ctx, ns); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: tenancy.RoleAccountMap}}
	if err := k8s.Get(ctx, client.ObjectKeyFromObject(cm), cm); apierrors.IsNotFound(err) {
		cm.Data = roles
		if err := k8s.Create(ctx, cm); err != nil {
			t.Fatal(err)
		}
		return
	}
	if cm.Data == nil {
		cm.Data = map[string]string{}
	}
	for k, v := range roles {
		cm.Data[k] = v
	}
	if err := k8s.Update(ctx, cm); err != nil {
		t.Fatal(err)
	}
}

// refused creates a stack and wants it refused at admission with every
// part of want in the message.
func refused(t *testing.T, stack *v1alpha1.EventDrivenStack, want ...string) {
	t.Helper()
	err := k8s.Create(context.Background(), stack)
	if err == nil {
		t.Cleanup(func() { _ = k8s.Delete(context.Background(), stack) })
		t.Fatalf("%s/%s was admitted", stack.Namespace, stack.Name)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("refusal lacks %q:\n%v", w, err)
		}
	}
}

// admitted dry-runs the creation of a stack: admission runs, nothing is made.
func admitted(t *testing.T, stack *v1alpha1.EventDrivenStack) {
	t.Helper()
	if err := k8s.Create(context.Background(), stack.DeepCopy(), client.DryRunAll); err != nil {
		t.Errorf("%s/%s refused: %v", stack.Namespace, stack.Name, err)
	}
}

// Twins: the same stack (the same AWS names) in a second namespace. The
// webhook refuses it naming the owner, adopting or not; one that gets in
// anyway (here, past the webhook) is Stalled naming the owner and builds
// nothing, and deleting it leaves the owner's children and routing alone.
func TestTwinStacksInTwoNamespaces(t *testing.T) {
	ctx := context.Background()
	nsA, nsB := newNamespace(t), newNamespace(t)
	owner := prefixed(t, nsA, "twin-")
	createStack(t, owner)
	playACKUntilReady(t, nsA, owner.Name)
	owned := fmt.Sprintf("is managed by stack %s/event-driven-stack", nsA)

	twin := prefixed(t, nsB, "twin-")
	refused(t, twin, "spec.tables[0].name", "Table twin-event-driven-orders "+owned,
		"EventBus twin-custom-event-bus "+owned, "Role twin-event-order-processor-role "+owned)
	adopting := prefixed(t, nsB, "twin-")
	adopting.Spec.Adoption = &v1alpha1.Adoption{Policy: v1alpha1.AdoptionAdoptOrCreate, AccountID: "123456789012"}
	refused(t, adopting, "Table twin-event-driven-orders "+owned)

	// Past the webhook: the reconcile finds it too.
	bypassWebhook(t)
	twin = prefixed(t, nsB, "twin-")
	twin.Labels = map[string]string{skipWebhookLabel: "true"}
	createStack(t, twin)
	eventually(t, waitFor, "the twin Stalled, naming the owner", func() error {
		s := getStack(t, nsB, twin.Name)
		st := meta.FindStatusCondition(s.Status.Conditions, v1alpha1.ConditionStalled)
		if st == nil || st.Reason != v1alpha1.ReasonNameOwnedByAnotherStack || !strings.Contains(st.Message, "Table twin-event-driven-orders "+owned) {
			return fmt.Errorf("Stalled %+v", st)
		}
		return nil
	})
	if got := children(t, nsB); len(got) != 0 {
		t.Errorf("the twin built children: %v", keys(got))
	}
	before := len(children(t, nsA))
	mutating := fake.MutatingCalls()
	if err := k8s.Delete(ctx, getStack(t, nsB, twin.Name)); err != nil {
		t.Fatal(err)
	}
	eventually(t, waitFor, "the twin gone", func() error {
		if !stackGone(t, twin) {
			return fmt.Errorf("still there")
		}
		return nil
	})
	if n := fake.MutatingCalls() - mutating; n != 0 {
		t.Errorf("deleting the twin made %d mutating AWS calls", n)
	}
	if after := len(children(t, nsA)); after != before {
		t.Errorf("the owner has %d children after the twin was deleted, %d before", after, before)
	}
	if err := checkRouting(t, nsA, "twin-"); err != nil {
		t.Errorf("the owner's routing after the twin was deleted: %v", err)
	}
	if !meta.IsStatusConditionTrue(getStack(t, nsA, owner.Name).Status.Conditions, v1alpha1.ConditionReady) {
		t.Error("the owner is no longer Ready")
	}
}

const skipWebhookLabel = "test.eventstack.io/skip-webhook"

// bypassWebhook lets stacks labelled skipWebhookLabel past the validating
// webhook until the test ends: as a stack created while the webhook was down
// (or before it was installed) would be.
func bypassWebhook(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	set := func(sel *metav1.LabelSelector) {
		cfg := &admissionv1.ValidatingWebhookConfiguration{}
		if err := k8s.Get(ctx, client.ObjectKey{Name: "validating-webhook-configuration"}, cfg); err != nil {
			t.Fatal(err)
		}
		for i := range cfg.Webhooks {
			cfg.Webhooks[i].ObjectSelector = sel
		}
		if err := k8s.Update(ctx, cfg); err != nil {
			t.Fatal(err)
		}
	}
	set(&metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: skipWebhookLabel, Operator: metav1.LabelSelectorOpDoesNotExist}}})
	t.Cleanup(func() { set(nil) })
}

// Each guardrail of the strict policy, in a tenant's namespace, refused at
// admission with a message naming the rule; and admitted where the platform
// annotated the namespace.
func TestGuardrailsAtAdmission(t *testing.T) {
	roleMap(t, map[string]string{"111111111111": "arn:aws:iam::111111111111:role/eventstack"})
	mapped := map[string]string{tenancy.AnnotationOwnerAccountID: "111111111111",
		tenancy.AnnotationAllowedCodeBuckets: "eventstack-artifacts"}
	ns := tenantNamespace(t, mapped)
	good := func() *v1alpha1.EventDrivenStack { return prefixed(t, ns, ns+"--") }
	admitted(t, good())

	cases := []struct {
		name   string
		mutate func(*v1alpha1.EventDrivenStack)
		relax  map[string]string
		want   []string
	}{
		{"namePrefix", func(s *v1alpha1.EventDrivenStack) { s.Spec.NamePrefix = "other-" }, map[string]string{tenancy.AnnotationNamePrefix: "other-"},
			[]string{"spec.namePrefix", `must have a namePrefix that starts with "` + ns + `--"`, "--name-prefix-pattern"}},
		{"adoption", func(s *v1alpha1.EventDrivenStack) {
			s.Spec.Adoption = &v1alpha1.Adoption{Policy: v1alpha1.AdoptionAdoptOrCreate, AccountID: "111111111111"}
		}, map[string]string{tenancy.AnnotationAllowAdoption: "true"}, []string{"spec.adoption.policy", "adopting existing AWS resources is not allowed"}},
		{"roleARN", func(s *v1alpha1.EventDrivenStack) {
			s.Spec.Functions[0].RoleARN = "arn:aws:iam::111111111111:role/platform-admin"
		},
			map[string]string{tenancy.AnnotationAllowedRoleARNs: "arn:aws:iam::111111111111:role/platform-*"},
			[]string{"spec.functions[0].roleARN", "is not one the platform allows", "--allowed-role-arns"}},
		{"code bucket", func(s *v1alpha1.EventDrivenStack) { s.Spec.Functions[1].Code.S3Bucket = "someone-elses-bucket" },
			map[string]string{tenancy.AnnotationAllowedCodeBuckets: "eventstack-artifacts,someone-*"},
			[]string{"spec.functions[1].code.s3Bucket", `code bucket "someone-elses-bucket"`}},
		{"external workflow call", func(s *v1alpha1.EventDrivenStack) {
			s.Spec.Workflows[0].Definition = strings.Replace(s.Spec.Workflows[0].Definition, "${function:event-order-processor}",
				"arn:aws:lambda:us-east-1:999999999999:function:theirs", 1)
		}, map[string]string{tenancy.AnnotationAllowExternalCalls: "true"},
			[]string{"spec.workflows[0].definition", "arn:aws:lambda:us-east-1:999999999999:function:theirs, which is not a component of this stack"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := good()
			tc.mutate(s)
			refused(t, s, tc.want...)
			ann := map[string]string{}
			for k, v := range mapped {
				ann[k] = v
			}
			for k, v := range tc.relax {
				ann[k] = v
			}
			relaxed := tenantNamespace(t, ann)
			s = good()
			s.Namespace = relaxed
			s.Spec.NamePrefix = relaxed + "--"
			tc.mutate(s)
			admitted(t, s)
		})
	}
	t.Run("unmapped namespace", func(t *testing.T) {
		unmapped := tenantNamespace(t, map[string]string{tenancy.AnnotationAllowedCodeBuckets: "eventstack-artifacts"})
		refused(t, prefixed(t, unmapped, unmapped+"--"), "metadata.namespace", "is not mapped to an AWS account", "--require-account-mapping")
		noRole := tenantNamespace(t, map[string]string{tenancy.AnnotationOwnerAccountID: "333333333333",
			tenancy.AnnotationAllowedCodeBuckets: "eventstack-artifacts"})
		refused(t, prefixed(t, noRole, noRole+"--"), "is mapped to AWS account 333333333333", "has no role for that account")
	})
}

// Two namespaces mapped to two accounts: the operator's own calls for each
// stack go to its namespace's account, with the role ACK's map names (STS
// AssumeRole), as ACK's do for the children; the ARNs it derives name that
// account.
func TestNamespacesMappedToAccounts(t *testing.T) {
	roleMap(t, map[string]string{
		"111111111111": "arn:aws:iam::111111111111:role/eventstack",
		"222222222222": "arn:aws:iam::222222222222:role/eventstack",
	})
	for _, acct := range []string{"111111111111", "222222222222"} {
		ns := tenantNamespace(t, map[string]string{tenancy.AnnotationOwnerAccountID: acct,
			tenancy.AnnotationAllowedCodeBuckets: "eventstack-artifacts"})
		before := fake.CallsByAccount()
		stack := prefixed(t, ns, ns+"--")
		createStack(t, stack)
		playACKUntilReady(t, ns, stack.Name)
		after := fake.CallsByAccount()
		if n := after[acct]["events:PutRule"] - before[acct]["events:PutRule"]; n != 4 {
			t.Errorf("account %s: %d PutRule calls for its namespace's stack, want 4 (calls by account %v)", acct, n, after)
		}
		for other := range after {
			if other != acct && after[other]["events:PutRule"] != before[other]["events:PutRule"] {
				t.Errorf("a rule of %s's stack was put in account %s", acct, other)
			}
		}
		role := children(t, ns)["Role/event-driven-stack.event-order-processor"].(*ack.Role)
		if p := *role.Spec.InlinePolicies["eventstack"]; !strings.Contains(p, "arn:aws:dynamodb:us-east-1:"+acct+":table/"+ns+"--event-driven-orders") {
			t.Errorf("the role's policy does not name the table in account %s: %s", acct, p)
		}
		bus := getStack(t, ns, stack.Name).Status.Outputs["eventBus.custom-event-bus.arn"]
		if !strings.Contains(bus, ":"+acct+":") {
			t.Errorf("bus ARN %s is not in account %s", bus, acct)
		}
	}
	roles := fake.AssumedRoles()
	if !strings.Contains(strings.Join(roles, " "), "arn:aws:iam::111111111111:role/eventstack") ||
		!strings.Contains(strings.Join(roles, " "), "arn:aws:iam::222222222222:role/eventstack") {
		t.Errorf("assumed roles %v", roles)
	}
}

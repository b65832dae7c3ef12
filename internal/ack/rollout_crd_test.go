package ack_test

import (
	"context"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/arns"
	"github.com/eventstack-io/eventstack-operator/internal/render"
)

// A Version and an Alias using every field of their structs, the alias
// routing a share to a second version with a permission, and back on one
// version with its explicit empty weights, are accepted by the real lambda CRD with strict
// field validation.
func TestVersionAndAliasSatisfyTheRealLambdaCRD(t *testing.T) {
	version := &ack.Version{
		TypeMeta:   metav1.TypeMeta{APIVersion: ack.LambdaGroupVersion.String(), Kind: "Version"},
		ObjectMeta: metav1.ObjectMeta{Name: "orders-47deqpj8", Namespace: "default"},
		Spec: ack.VersionSpec{FunctionName: ptr.To("dev-orders"), CodeSHA256: ptr.To("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="),
			Description: ptr.To("code 47DEQpj8")},
	}
	canary := alias("orders-live-canary", map[string]*float64{"7": ptr.To(0.1)})
	canary.Spec.Permissions = []*ack.AliasPermission{{StatementID: ptr.To("orders-rule"), Action: ptr.To("lambda:InvokeFunction"),
		Principal: ptr.To("events.amazonaws.com"), SourceARN: ptr.To("arn:aws:events:eu-west-1:123456789012:rule/dev-bus/orders"),
		SourceAccount: ptr.To("123456789012")}}
	promoted := alias("orders-live-promoted", map[string]*float64{})
	for _, obj := range []client.Object{version, canary, promoted} {
		//nolint:staticcheck // Patch with client.Apply is the one SSA call that takes a field validation option.
		err := k8s.Patch(context.Background(), obj, client.Apply, client.FieldOwner(render.FieldManager), client.ForceOwnership,
			client.FieldValidation("Strict"), client.DryRunAll)
		if err != nil {
			t.Errorf("%s %s refused by the lambda CRD: %v", obj.GetObjectKind().GroupVersionKind().Kind, obj.GetName(), err)
		}
	}
}

// The explicit empty weights of an alias back on one version survive the API
// server, so that lambda-controller sends them (docs/ack-behaviour.md row
// 32), and an alias's name cannot change (the CRD's CEL rule).
func TestAliasKeepsEmptyWeightsAndItsName(t *testing.T) {
	ctx := context.Background()
	a := alias("orders-live-empty", map[string]*float64{})
	//nolint:staticcheck // see above
	if err := k8s.Patch(ctx, a, client.Apply, client.FieldOwner(render.FieldManager), client.ForceOwnership); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = k8s.Delete(context.Background(), alias("orders-live-empty", nil)) })
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(ack.LambdaGroupVersion.WithKind("Alias"))
	if err := k8s.Get(ctx, client.ObjectKeyFromObject(a), u); err != nil {
		t.Fatal(err)
	}
	weights, found, err := unstructured.NestedMap(u.Object, "spec", "routingConfig", "additionalVersionWeights")
	if err != nil || !found || len(weights) != 0 {
		t.Errorf("stored routingConfig: %v (found %v, %v), want additionalVersionWeights: {}", u.Object["spec"], found, err)
	}
	renamed := alias("orders-live-empty", map[string]*float64{})
	renamed.Spec.Name = ptr.To("other")
	//nolint:staticcheck // see above
	err = k8s.Patch(ctx, renamed, client.Apply, client.FieldOwner(render.FieldManager), client.ForceOwnership, client.DryRunAll)
	if err == nil || !strings.Contains(err.Error(), "immutable") {
		t.Errorf("renaming the alias: %v, want refused as immutable", err)
	}
}

// A Version's ARN is its function's with the number Lambda gives it, an
// Alias's its function's with its name; a Version Lambda reports Failed or
// Pending is Stalled or in progress although ACK reports it synced.
func TestVersionAndAliasFacts(t *testing.T) {
	s := arns.Scope{Region: "eu-west-1", Account: "210987654321"}
	v := &ack.Version{Spec: ack.VersionSpec{FunctionName: ptr.To("dev-orders")}}
	a := alias("orders-live", nil)
	if got, want := ack.KindOf(v).ARN(v, s, "7"), "arn:aws:lambda:eu-west-1:210987654321:function:dev-orders:7"; got != want {
		t.Errorf("version ARN %s, want %s", got, want)
	}
	if got, want := ack.KindOf(a).ARN(a, s, ""), "arn:aws:lambda:eu-west-1:210987654321:function:dev-orders:live"; got != want {
		t.Errorf("alias ARN %s, want %s", got, want)
	}
	if ack.KindOf(v).AWSName(v) != "" || ack.KindOf(a).AWSName(a) != "live" {
		t.Errorf("AWS names %q, %q", ack.KindOf(v).AWSName(v), ack.KindOf(a).AWSName(a))
	}
	v.Status.Version, v.Status.State, v.Status.StateReason = ptr.To("7"), ptr.To("Failed"), ptr.To("snapshot failed")
	if got := ack.KindOf(v).Assess(v); !strings.Contains(got.Stalled, "version 7 Failed: snapshot failed") {
		t.Errorf("a Failed version assessed %+v", got)
	}
	v.Status.State = ptr.To("Pending")
	if got := ack.KindOf(v).Assess(v); got.InProgress == "" || got.Stalled != "" {
		t.Errorf("a Pending version assessed %+v", got)
	}
	v.Status.State = ptr.To("Active")
	if got := ack.KindOf(v).Assess(v); got != (ack.Assessment{}) {
		t.Errorf("an Active version assessed %+v", got)
	}
}

// alias is an Alias child "live" of dev-orders on version 6 with the given
// weights (no routingConfig when nil).
func alias(name string, weights map[string]*float64) *ack.Alias {
	a := &ack.Alias{
		TypeMeta:   metav1.TypeMeta{APIVersion: ack.LambdaGroupVersion.String(), Kind: "Alias"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: ack.AliasSpec{Name: ptr.To("live"), FunctionName: ptr.To("dev-orders"), FunctionVersion: ptr.To("6"),
			Description: ptr.To("the stack's live traffic")},
	}
	if weights != nil {
		a.Spec.RoutingConfig = &ack.AliasRoutingConfiguration{AdditionalVersionWeights: weights}
	}
	return a
}

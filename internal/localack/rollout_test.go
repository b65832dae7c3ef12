package localack

import (
	"context"
	"strings"
	"testing"

	ackv1alpha1 "github.com/aws-controllers-k8s/runtime/apis/core/v1alpha1"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"k8s.io/utils/ptr"

	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/localaws"
)

// With a local AWS the stand-in publishes a Version once, as lambda-controller
// does (its number and ARN in the status, no ARN in ackResourceMetadata), a
// second Version of unchanged code ends Terminal, and an Alias is made and
// its weights and policy changed by a new generation (a statement the spec
// lacks removed).
func TestVersionsAndAliasesAreMadeInTheLocalAWS(t *testing.T) {
	ctx := context.Background()
	srv := localaws.New()
	srv.Delays = localaws.Delays{}
	lc := lambda.NewFromConfig(srv.StartForTest(t))
	p := NewPlayer(srv)
	role := &ack.Role{ObjectMeta: meta("r"), Spec: ack.RoleSpec{Name: ptr.To("r"),
		AssumeRolePolicyDocument: ptr.To(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)}}
	if _, err := p.reconcile(ctx, role, AccountID); err != nil {
		t.Fatal(err)
	}
	fn := &ack.Function{ObjectMeta: meta("f"), Spec: ack.FunctionSpec{Name: ptr.To("f"), Role: ptr.To(role.ACKStatus().ARN()),
		Runtime: ptr.To("provided.al2023"), Handler: ptr.To("bootstrap"), Code: &ack.FunctionCode{S3Bucket: ptr.To("b"), S3Key: ptr.To("k")}}}
	reconcileOK(t, p, fn)
	sha := fn.Status.CodeSHA256
	fnARN := "arn:aws:lambda:" + srv.Region + ":" + srv.AccountID + ":function:f"

	v1 := &ack.Version{ObjectMeta: meta("v1"), Spec: ack.VersionSpec{FunctionName: ptr.To("f"), CodeSHA256: sha, Description: ptr.To("one")}}
	reconcileOK(t, p, v1)
	if ptr.Deref(v1.Status.Version, "") != "1" || ptr.Deref(v1.Status.FunctionARN, "") != fnARN+":1" ||
		v1.ACKStatus().ARN() != "" || !synced(v1) || !made(v1) {
		t.Fatalf("version 1: %s %s, ARN %q, synced %v", ptr.Deref(v1.Status.Version, ""), ptr.Deref(v1.Status.FunctionARN, ""), v1.ACKStatus().ARN(), synced(v1))
	}
	again := &ack.Version{ObjectMeta: meta("v1-again"), Spec: v1.Spec}
	reconcileOK(t, p, again)
	if c := again.ACKStatus().Condition(ackv1alpha1.ConditionTypeTerminal); c == nil || !strings.Contains(ptr.Deref(c.Message, ""), "no version was published") ||
		again.Status.Version != nil || synced(again) {
		t.Fatalf("a second Version of the same code: %+v", again.Status)
	}

	if _, err := lc.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("f"), MemorySize: aws.Int32(256)}); err != nil {
		t.Fatal(err)
	}
	v2 := &ack.Version{ObjectMeta: meta("v2"), Spec: ack.VersionSpec{FunctionName: ptr.To("f"), CodeSHA256: sha}}
	reconcileOK(t, p, v2)
	if ptr.Deref(v2.Status.Version, "") != "2" {
		t.Fatalf("version 2: %+v", v2.Status)
	}

	live := &ack.Alias{ObjectMeta: meta("live"), Spec: ack.AliasSpec{Name: ptr.To("live"), FunctionName: ptr.To("f"), FunctionVersion: ptr.To("1")}}
	reconcileOK(t, p, live)
	if live.ACKStatus().ARN() != fnARN+":live" || live.Status.RevisionID == nil || !synced(live) {
		t.Fatalf("alias: ARN %q, revision %v", live.ACKStatus().ARN(), live.Status.RevisionID)
	}
	p.reconciled[live.UID] = live.Generation
	live.Generation++
	live.Spec.RoutingConfig = &ack.AliasRoutingConfiguration{AdditionalVersionWeights: map[string]*float64{"2": ptr.To(0.25)}}
	live.Spec.Permissions = []*ack.AliasPermission{{StatementID: ptr.To("rule"), Action: ptr.To("lambda:InvokeFunction"),
		Principal: ptr.To("events.amazonaws.com"), SourceARN: ptr.To("arn:aws:events:us-east-1:" + srv.AccountID + ":rule/b/r")}}
	if _, err := lc.AddPermission(ctx, &lambda.AddPermissionInput{FunctionName: aws.String("f:live"), StatementId: aws.String("stray"),
		Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("sns.amazonaws.com")}); err != nil {
		t.Fatal(err)
	}
	reconcileOK(t, p, live)
	policy, err := lc.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: aws.String("f"), Qualifier: aws.String("live")})
	if err != nil {
		t.Fatal(err)
	}
	if doc := ptr.Deref(policy.Policy, ""); !strings.Contains(doc, `"Sid":"rule"`) || strings.Contains(doc, "stray") {
		t.Errorf("the alias's policy is not the spec's permissions: %s", doc)
	}
	got, err := lc.GetAlias(ctx, &lambda.GetAliasInput{FunctionName: aws.String("f"), Name: aws.String("live")})
	if err != nil {
		t.Fatal(err)
	}
	if got.RoutingConfig == nil || got.RoutingConfig.AdditionalVersionWeights["2"] != 0.25 || ptr.Deref(got.RevisionId, "") != ptr.Deref(live.Status.RevisionID, "") {
		t.Errorf("Lambda's alias after the weight step: %+v, revision %s (status %s)", got.RoutingConfig, ptr.Deref(got.RevisionId, ""), ptr.Deref(live.Status.RevisionID, ""))
	}
}

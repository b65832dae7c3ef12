package localack

// Versions and aliases (issue 22's rollouts) in the local AWS, as
// lambda-controller v1.14.1 makes them (docs/ack-behaviour.md rows 26-33):
//
//   - a Version is published once: ListVersionsByFunction, then
//     PublishVersion with the function's name, code hash and description; a
//     version Lambda answers that was listed before ends the reconcile
//     Terminal with ACK's message. ACK reports status.version,
//     status.functionARN and the version's state, and no ARN in
//     ackResourceMetadata; a later generation sends nothing (the controller
//     sends only the invoke config and provisioned concurrency, which the
//     operator does not set).
//   - an Alias is made by CreateAlias and changed by UpdateAlias on a new
//     generation, with its RoutingConfig only when the spec has one, and
//     the RevisionId of its status, and its policy made the spec's
//     permissions; ACK reports the alias's ARN and revision.
//
// Without a local AWS both are reported as any kind is (playStatus). Of
// ACK's write-back of what Lambda answers into the spec, only an alias's
// routingConfig is played: none once Lambda answers no weights (row 34).

import (
	"context"
	"encoding/json"
	"errors"

	ackv1alpha1 "github.com/aws-controllers-k8s/runtime/apis/core/v1alpha1"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/awsapi"
)

// nothingPublished is lambda-controller's terminal message when Lambda
// answers PublishVersion with a version that existed; errNothingPublished
// says that it did.
const nothingPublished = "No changes were made to $LATEST since publishing last version, so no version was published."

var errNothingPublished = errors.New("lambda published no version: $LATEST is unchanged since the last one")

// versionMade says whether ACK published a Version: its number is in the
// status (or, without a local AWS, playStatus reported it).
func versionMade(obj ack.Object) bool {
	return obj.(*ack.Version).Status.Version != nil || obj.ACKStatus().ARN() != ""
}

// reconcileVersion publishes a Version in the local AWS once.
func reconcileVersion(ctx context.Context, a *awsSide, obj ack.Object, account string, _ bool) (bool, bool, error) {
	o := obj.(*ack.Version)
	if account != a.server.AccountID || versionMade(obj) || terminal(obj) {
		return false, false, nil
	}
	out, err := a.publishVersion(ctx, o)
	switch {
	case errors.Is(err, errNothingPublished):
		SetCondition(obj, ackv1alpha1.ConditionTypeTerminal, corev1.ConditionTrue, nothingPublished)
		SetCondition(obj, ackv1alpha1.ConditionTypeResourceSynced, corev1.ConditionFalse, "Resource not synced")
		return true, true, nil
	case err != nil:
		setRecoverable(obj, awsMessage(err))
		return true, true, nil
	}
	o.Status.Version, o.Status.FunctionARN = out.Version, out.FunctionArn
	o.Status.State, o.Status.StateReason = ptr.To(string(out.State)), out.StateReason
	setMetadataIn(obj, account)
	syncedNow(obj)
	return true, true, nil
}

// publishVersion lists the function's versions, then publishes one, as
// lambda-controller's sdkCreate does.
func (a *awsSide) publishVersion(ctx context.Context, o *ack.Version) (*lambda.PublishVersionOutput, error) {
	listed := map[string]bool{}
	p := lambda.NewListVersionsByFunctionPaginator(a.lambda, &lambda.ListVersionsByFunctionInput{FunctionName: o.Spec.FunctionName})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, v := range page.Versions {
			listed[ptr.Deref(v.Version, "")] = true
		}
	}
	out, err := a.lambda.PublishVersion(ctx, &lambda.PublishVersionInput{FunctionName: o.Spec.FunctionName,
		CodeSha256: o.Spec.CodeSHA256, Description: o.Spec.Description})
	if err != nil {
		return nil, err
	}
	if listed[ptr.Deref(out.Version, "")] {
		return nil, errNothingPublished
	}
	return out, nil
}

// reconcileAlias makes an Alias in the local AWS, and updates it on a new
// generation.
func reconcileAlias(ctx context.Context, a *awsSide, obj ack.Object, account string, newGeneration bool) (bool, bool, error) {
	o := obj.(*ack.Alias)
	if account != a.server.AccountID || obj.ACKStatus().ARN() != "" && !newGeneration {
		return false, false, nil
	}
	var arn, rev *string
	var routing *lambdatypes.AliasRoutingConfiguration
	var err error
	if obj.ACKStatus().ARN() == "" {
		var out *lambda.CreateAliasOutput
		if out, err = a.lambda.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: o.Spec.FunctionName, Name: o.Spec.Name,
			FunctionVersion: o.Spec.FunctionVersion, Description: o.Spec.Description, RoutingConfig: routingOf(o)}); err == nil {
			arn, rev, routing = out.AliasArn, out.RevisionId, out.RoutingConfig
		}
	} else {
		var out *lambda.UpdateAliasOutput
		if out, err = a.lambda.UpdateAlias(ctx, &lambda.UpdateAliasInput{FunctionName: o.Spec.FunctionName, Name: o.Spec.Name,
			FunctionVersion: o.Spec.FunctionVersion, Description: o.Spec.Description, RoutingConfig: routingOf(o),
			RevisionId: o.Status.RevisionID}); err == nil {
			arn, rev, routing = out.AliasArn, out.RevisionId, out.RoutingConfig
		}
	}
	if err == nil && (routing == nil || len(routing.AdditionalVersionWeights) == 0) {
		// Lambda answers no weights: ACK writes no routingConfig back
		// into the spec (docs/ack-behaviour.md row 34).
		o.Spec.RoutingConfig = nil
	}
	if err == nil {
		err = a.syncAliasPermissions(ctx, o)
	}
	if err != nil {
		setRecoverable(obj, awsMessage(err))
		return true, true, nil
	}
	setARNIn(obj, ptr.Deref(arn, ""), account)
	o.Status.RevisionID = rev
	syncedNow(obj)
	return true, true, nil
}

// syncAliasPermissions makes the alias's policy the spec's permissions, as
// lambda-controller's syncPermissions does: a statement the spec lacks is
// removed, one it adds is added (a statement changed under the same ID is
// not played).
func (a *awsSide) syncAliasPermissions(ctx context.Context, o *ack.Alias) error {
	fn, name := ptr.Deref(o.Spec.FunctionName, ""), ptr.Deref(o.Spec.Name, "")
	have, err := a.aliasStatements(ctx, fn+":"+name)
	if err != nil {
		return err
	}
	want := map[string]*ack.AliasPermission{}
	for _, p := range o.Spec.Permissions {
		want[ptr.Deref(p.StatementID, "")] = p
	}
	for sid := range have {
		if want[sid] == nil {
			if _, err := a.lambda.RemovePermission(ctx, &lambda.RemovePermissionInput{FunctionName: &fn, Qualifier: &name,
				StatementId: &sid}); err != nil {
				return err
			}
		}
	}
	for sid, p := range want {
		if !have[sid] {
			if _, err := a.lambda.AddPermission(ctx, &lambda.AddPermissionInput{FunctionName: ptr.To(fn + ":" + name),
				StatementId: p.StatementID, Action: p.Action, Principal: p.Principal, SourceArn: p.SourceARN,
				SourceAccount: p.SourceAccount}); err != nil {
				return err
			}
		}
	}
	return nil
}

// aliasStatements are the statement IDs of an alias's policy (GetPolicy
// answers ResourceNotFoundException for an empty one).
func (a *awsSide) aliasStatements(ctx context.Context, qualified string) (map[string]bool, error) {
	out, err := a.lambda.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: &qualified})
	if awsapi.IsNotFound(err) {
		return map[string]bool{}, nil
	}
	if err != nil {
		return nil, err
	}
	var doc struct{ Statement []struct{ Sid string } }
	if err := json.Unmarshal([]byte(ptr.Deref(out.Policy, "")), &doc); err != nil {
		return nil, err
	}
	have := map[string]bool{}
	for _, st := range doc.Statement {
		have[st.Sid] = true
	}
	return have, nil
}

// routingOf is the RoutingConfig lambda-controller sends: none when the spec
// has none.
func routingOf(o *ack.Alias) *lambdatypes.AliasRoutingConfiguration {
	r := o.Spec.RoutingConfig
	if r == nil {
		return nil
	}
	weights := make(map[string]float64, len(r.AdditionalVersionWeights))
	for v, w := range r.AdditionalVersionWeights {
		weights[v] = ptr.Deref(w, 0)
	}
	return &lambdatypes.AliasRoutingConfiguration{AdditionalVersionWeights: weights}
}

// setMetadataIn sets what ACK's setStatusDefaults sets (account, region)
// without an ARN, for the kinds whose controller reports none.
func setMetadataIn(obj ack.Object, account string) {
	region := ackv1alpha1.AWSRegion(obj.GetAnnotations()[ackv1alpha1.AnnotationRegion])
	acct := ackv1alpha1.AWSAccountID(account)
	obj.ACKStatus().ACKResourceMetadata = &ackv1alpha1.ResourceMetadata{OwnerAccountID: &acct, Region: &region}
}

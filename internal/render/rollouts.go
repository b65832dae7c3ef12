package render

import (
	"strings"

	"k8s.io/utils/ptr"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/refs"
	"github.com/eventstack-io/eventstack-operator/internal/rollout"
)

// The children of a function with a rollout (issue 22, docs/rollouts.md):
// a Version child per revision the function ran, and the live alias that
// every caller invokes (mappings, rule targets, workflow states), whose
// routing follows the rollout's status (rollout.RoutingOf).

// AliasKind keys the live alias of a function with a rollout in Observed:
// "alias/<function>".
const AliasKind refs.Kind = "alias"

// AliasName is the name, in Lambda, of the alias callers invoke.
const AliasName = "live"

// AnnotationRevision is set on the Function child of a function with a
// rollout and on its Version children: the revision (Revision) each carries.
const AnnotationRevision = "stacks.eventstack.io/revision"

// VersionKey is the component of the Version child of a function's revision.
func VersionKey(function, revision string) string {
	return versionPrefix(function) + revision
}

func versionPrefix(function string) string { return "version/" + function + "/" }

// aliasChildName is the child name of a function's live alias.
func aliasChildName(stack *v1alpha1.EventDrivenStack, function string) string {
	return childName(stack, function, AliasName)
}

// rollout is the rollout of a function of the stack; nil without one.
func (b *builder) rollout(function string) *v1alpha1.FunctionRollout {
	for i := range b.stack.Spec.Functions {
		if f := &b.stack.Spec.Functions[i]; f.Name == function {
			return f.Rollout
		}
	}
	return nil
}

// invoked is the ARN callers invoke a function by, which they need to
// exist: its live alias's when it has a rollout, the function's otherwise.
// Every caller (event source mappings, rule targets, workflow definitions)
// takes it from here, so that a new one cannot miss the alias.
func (b *builder) invoked(n *needs, function string) (string, bool) {
	if b.rollout(function) != nil {
		return b.exists(n, AliasKind, function)
	}
	return b.exists(n, refs.Function, function)
}

// invokedName is the ARN a definition names a function by (AWS does not
// check it): the live alias's with a rollout, the function's otherwise.
func (b *builder) invokedName(n *needs, function string) (string, bool) {
	if b.rollout(function) != nil {
		return b.named(n, AliasKind, function)
	}
	return b.named(n, refs.Function, function)
}

// RolloutOf is the status of a function's rollout; the zero status (no
// version live) when there is none yet.
func RolloutOf(stack *v1alpha1.EventDrivenStack, function string) v1alpha1.RolloutStatus {
	for _, r := range stack.Status.Rollouts {
		if r.Function == function {
			return r
		}
	}
	return v1alpha1.RolloutStatus{Function: function}
}

// rolloutChildren are the Version children and the live alias of a function
// with a rollout; fn is its Function child as rendered.
func (b *builder) rolloutChildren(f v1alpha1.Function, fn Child) []Child {
	if f.Rollout == nil {
		return nil
	}
	out := b.versions(f, fn)
	return append(out, b.alias(f.Name))
}

// versions are the Version children of a function: the one of the revision
// the Function child carries, made once Lambda runs it (PublishVersion while
// the function updates is refused, and publishes what $LATEST is: ack-behaviour
// rows 28-29), and those of earlier revisions that are kept — the live
// version, the trial and the spec's keepVersions before the live one (the
// others are pruned, which deletes their version in Lambda). A Version
// child is never edited (row 30): one that exists is rendered as it is.
func (b *builder) versions(f v1alpha1.Function, fn Child) []Child {
	st := RolloutOf(b.stack, f.Name)
	current := ""
	if fo, ok := fn.Object.(*ack.Function); ok && fo != nil {
		current = fo.GetAnnotations()[AnnotationRevision]
	}
	drop := map[string]bool{}
	for _, v := range rollout.Prune(PublishedVersions(b.obs, f.Name), st.Live, st.Trial, int(ptr.Deref(f.Rollout.KeepVersions, rollout.DefaultKeepVersions))) {
		drop[v] = true
	}
	var out []Child
	for component, obj := range b.obs.Children {
		v, ok := obj.(*ack.Version)
		if !ok || !strings.HasPrefix(component, versionPrefix(f.Name)) || component == VersionKey(f.Name, current) {
			continue
		}
		// Unpublished (no number: deleting it deletes nothing, ACK finds no
		// version) or pruned: dropped.
		if v.Status.Version == nil || drop[*v.Status.Version] {
			continue
		}
		out = append(out, b.version(f.Name, strings.TrimPrefix(component, versionPrefix(f.Name)), v.Spec))
	}
	if current == "" {
		return out // the Function child waits: so does its version
	}
	if prior, ok := b.prior(VersionKey(f.Name, current)).(*ack.Version); ok && prior != nil {
		return append(out, b.version(f.Name, current, prior.Spec))
	}
	running, _ := b.obs.Children[Key(refs.Function, f.Name)].(*ack.Function)
	if running == nil || b.obs.Deployed[Key(refs.Function, f.Name)] != current {
		return append(out, Child{Component: VersionKey(f.Name, current), Kind: "Version", Name: versionChildName(b.stack, f.Name, current),
			Needs: []Dependency{{Kind: "Function", Name: fn.Name, What: "revision " + current + " deployed"}}})
	}
	// Lambda refuses to publish other code than the one declared: the
	// spec's hash for a zip, what Lambda reports for an image.
	sha := running.Status.CodeSHA256
	if f.Code.SHA256 != "" {
		sha = ptr.To(f.Code.SHA256)
	}
	return append(out, b.version(f.Name, current, ack.VersionSpec{
		FunctionName: ptr.To(awsName(b.stack, f.Name)),
		CodeSHA256:   sha,
		Description:  ptr.To("revision " + current),
	}))
}

// PublishedVersions are the numbers of a function's Version children that
// ACK published.
func PublishedVersions(obs Observed, function string) []string {
	var out []string
	for component, obj := range obs.Children {
		if v, ok := obj.(*ack.Version); ok && v != nil && v.Status.Version != nil && strings.HasPrefix(component, versionPrefix(function)) {
			out = append(out, *v.Status.Version)
		}
	}
	return out
}

func versionChildName(stack *v1alpha1.EventDrivenStack, function, revision string) string {
	return childName(stack, function, revision)
}

// version builds a Version child of a function's revision.
func (b *builder) version(function, revision string, spec ack.VersionSpec) Child {
	name := versionChildName(b.stack, function, revision)
	obj := &ack.Version{Spec: spec}
	b.meta(obj, ack.LambdaGroupVersion.WithKind("Version"), name, VersionKey(function, revision), nil)
	obj.GetAnnotations()[AnnotationRevision] = revision
	return b.child(VersionKey(function, revision), "Version", name, obj, nil)
}

// AliasChild is the live alias of a function with a rollout, rendered from
// the stack's status as it stands: the controller renders it again once it
// decided the rollout's next step.
func AliasChild(stack *v1alpha1.EventDrivenStack, obs Observed, function string) Child {
	return newBuilder(stack, obs).alias(function)
}

// alias builds the live alias of a function with a rollout: the version the
// rollout's status has live, a share of the traffic to the trial while it
// shifts (rollout.RoutingOf), and the permissions that let the stack's rules
// invoke it — the alias's whole policy, as lambda-controller keeps it
// (ack-behaviour row 31). It waits for the function's first version.
func (b *builder) alias(function string) Child {
	name := aliasChildName(b.stack, function)
	component := Key(AliasKind, function)
	st := RolloutOf(b.stack, function)
	route := rollout.RoutingOf(st)
	if route.Version == "" {
		return Child{Component: component, Kind: "Alias", Name: name,
			Needs: []Dependency{{Kind: "Version", Name: childName(b.stack, function) + ".<revision>", What: "version number"}}}
	}
	weights := map[string]*float64{}
	if route.Additional != "" && route.Weight > 0 {
		weights[route.Additional] = ptr.To(float64(route.Weight) / 100)
	}
	obj := &ack.Alias{Spec: ack.AliasSpec{
		Name:            ptr.To(AliasName),
		FunctionName:    ptr.To(awsName(b.stack, function)),
		FunctionVersion: ptr.To(route.Version),
		RoutingConfig:   b.aliasRouting(component, weights),
		Permissions:     b.aliasPermissions(function),
	}}
	b.meta(obj, ack.LambdaGroupVersion.WithKind("Alias"), name, component, nil)
	return b.child(component, "Alias", name, obj, nil)
}

// aliasRouting is the alias's routingConfig. With a trial, its weight. Back
// on one version, the weights must be cleared by an explicit {} — a dropped
// routingConfig clears nothing, lambda-controller sends none (ack-behaviour
// row 32) — but only while the child still has a routingConfig: once
// lambda-controller cleared Lambda's weights it writes the routingConfig
// GetAlias answers, none, back into the spec, and a {} kept there would be a
// delta at each of its reconciles, the two writers taking turns (row 34).
func (b *builder) aliasRouting(component string, weights map[string]*float64) *ack.AliasRoutingConfiguration {
	if len(weights) > 0 {
		return &ack.AliasRoutingConfiguration{AdditionalVersionWeights: weights}
	}
	if prior, ok := b.prior(component).(*ack.Alias); ok && prior != nil && prior.Spec.RoutingConfig != nil {
		return &ack.AliasRoutingConfiguration{AdditionalVersionWeights: weights}
	}
	return nil
}

// aliasPermissions let each rule that targets the function invoke its alias,
// from that rule only. A rule's ARN is named, not needed: derived from its
// name once the account is known, so the alias does not wait for EventBridge.
func (b *builder) aliasPermissions(function string) []*ack.AliasPermission {
	var out []*ack.AliasPermission
	for _, r := range b.stack.Spec.Rules {
		targets := false
		for _, t := range r.Targets {
			targets = targets || t.Function == function
		}
		if !targets {
			continue
		}
		arn := b.obs.ARNs[Key(ruleKind, r.Name)]
		if arn == "" {
			arn = b.Derived(ruleKind, r.Name)
		}
		if arn == "" {
			continue // the account is not known yet; the alias is applied again once it is
		}
		out = append(out, &ack.AliasPermission{
			StatementID: ptr.To(PermissionID(RuleBus(b.stack, r), awsName(b.stack, r.Name))),
			Action:      ptr.To("lambda:InvokeFunction"),
			Principal:   ptr.To("events.amazonaws.com"),
			SourceARN:   ptr.To(arn),
		})
	}
	return out
}

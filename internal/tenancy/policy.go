// Package tenancy keeps the teams that share one operator out of each
// other's AWS resources: the guardrails a platform admin sets (operator flags,
// and annotations on the namespaces, which tenants who may create stacks
// cannot edit), the AWS account each namespace's stacks live in (ACK's own
// cross-account mapping), and which stack owns each AWS name. The checks are
// pure functions of the stack, its namespace and the other stacks, run by the
// webhook at admission and by the controller before it builds anything
// (docs/multi-tenancy.md).
package tenancy

import (
	"fmt"
	"regexp"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/asl"
	"github.com/eventstack-io/eventstack-operator/internal/render"
)

// Namespace annotations a platform admin sets to relax or set a guardrail
// for one namespace.
const (
	// AnnotationNamePrefix is the namePrefix the namespace's stacks must
	// start with; it overrides Policy.NamePrefix.
	AnnotationNamePrefix = "stacks.eventstack.io/name-prefix"
	// AnnotationAllowAdoption "true" lets the namespace's stacks adopt
	// existing AWS resources where Policy.Adoption is Annotated.
	AnnotationAllowAdoption = "stacks.eventstack.io/allow-adoption"
	// AnnotationAllowedRoleARNs adds comma-separated patterns that a
	// roleARN of the namespace may match.
	AnnotationAllowedRoleARNs = "stacks.eventstack.io/allowed-role-arns"
	// AnnotationAllowedCodeBuckets adds comma-separated patterns of the S3
	// buckets the namespace's function code may come from.
	AnnotationAllowedCodeBuckets = "stacks.eventstack.io/allowed-code-buckets"
	// AnnotationAllowedDataBuckets adds comma-separated patterns of the S3
	// buckets the namespace's workflows may read items from and write
	// results to (a Distributed Map's ItemReader and ResultWriter).
	AnnotationAllowedDataBuckets = "stacks.eventstack.io/allowed-data-buckets"
	// AnnotationAllowedImageRepositories adds comma-separated patterns of the
	// ECR repositories (registry/repository) the function images may come from.
	AnnotationAllowedImageRepositories = "stacks.eventstack.io/allowed-image-repositories"
	// AnnotationAllowedEventBuses adds comma-separated patterns of the event
	// bus ARNs a rule target may put events on (eventBusARN).
	AnnotationAllowedEventBuses = "stacks.eventstack.io/allowed-event-buses"
	// AnnotationAllowExternalCalls "true" lets the namespace's workflows call
	// resources outside the stack where Policy.ExternalCalls is Annotated.
	AnnotationAllowExternalCalls = "stacks.eventstack.io/allow-external-workflow-calls"
)

// Mode says where something is allowed.
type Mode string

const (
	// Allowed everywhere.
	Allowed Mode = "allowed"
	// Annotated: only in the namespaces the platform annotates.
	Annotated Mode = "annotated"
	// Forbidden everywhere.
	Forbidden Mode = "forbidden"
)

// ParseMode reads a Mode from a flag.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(s); m {
	case Allowed, Annotated, Forbidden:
		return m, nil
	}
	return "", fmt.Errorf("%q: want allowed, annotated or forbidden", s)
}

// Allowlist is the set of values a field may take: patterns where * stands
// for any run of characters and {namespace} for the stack's namespace. The
// zero Allowlist allows anything.
type Allowlist struct {
	// Restricted: only the patterns (the flag's and the namespace's) match;
	// none when there are none.
	Restricted bool
	Patterns   []string
}

// ParseAllowlist reads an Allowlist from a flag: "*" allows anything, ""
// nothing but what namespaces add, otherwise comma-separated patterns.
func ParseAllowlist(s string) Allowlist {
	if strings.TrimSpace(s) == "*" {
		return Allowlist{}
	}
	return Allowlist{Restricted: true, Patterns: splitList(s)}
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Policy is what the platform admin allows the stacks, by namespace.
type Policy struct {
	// NamePrefix is what every stack's namePrefix must start with, {namespace}
	// standing for its namespace ("" requires nothing); AnnotationNamePrefix
	// overrides it for one namespace. It keeps the teams' AWS names apart: no
	// name or role a stack takes may fall under another namespace's prefix
	// (prefixes.go says why "{namespace}--" does it for every namespace).
	NamePrefix string
	// Adoption of existing AWS resources (spec.adoption).
	Adoption Mode
	// RoleARNs a function's or workflow's roleARN may match.
	RoleARNs Allowlist
	// CodeBuckets a function's zip may come from.
	CodeBuckets Allowlist
	// DataBuckets a workflow's Distributed Map may read items from and write
	// results to, where ExternalCalls are not allowed (workflows.go).
	DataBuckets Allowlist
	// ImageRepositories a function's image may come from (registry/repository).
	ImageRepositories Allowlist
	// EventBuses a rule target may put events on (eventBusARN), besides the
	// namespace's own: a bus of the namespace's account whose name starts
	// with the namespace's name prefix.
	EventBuses Allowlist
	// ExternalCalls: workflow tasks that call something other than the
	// stack's own components, or name their target at run time.
	ExternalCalls Mode
	// RequireAccount refuses stacks in a namespace that is not mapped to an
	// AWS account (ACK's owner-account-id annotation and role map), and an
	// adoption account other than the namespace's: it is the account of
	// every ARN the operator derives for the stack.
	RequireAccount bool
	// Namespaces are the namespaces the guardrails apply to (by label); nil
	// is every namespace. Stacks elsewhere (the platform's own) are not
	// restricted; the names they take are theirs all the same.
	Namespaces labels.Selector
}

// applies reports whether the guardrails apply to a namespace.
func (p Policy) applies(ns *corev1.Namespace) bool {
	return p.Namespaces == nil || p.Namespaces.Matches(labels.Set(ns.GetLabels()))
}

// Open is the policy of an operator that one team runs for itself: nothing
// restricted (the default, as before multi-tenancy).
func Open() Policy { return Policy{Adoption: Allowed, ExternalCalls: Allowed} }

// Strict is the policy for an operator shared by teams: names prefixed by
// the namespace and "--" (prefix-free: prefixes.go), adoption, custom roles,
// code and data buckets, image repositories and external calls only where
// the platform annotates the namespace, and every namespace mapped to an
// account.
func Strict() Policy {
	return Policy{NamePrefix: "{namespace}" + PrefixSeparator, Adoption: Annotated, RoleARNs: Allowlist{Restricted: true},
		CodeBuckets: Allowlist{Restricted: true}, DataBuckets: Allowlist{Restricted: true}, ImageRepositories: Allowlist{Restricted: true},
		EventBuses: Allowlist{Restricted: true}, ExternalCalls: Annotated, RequireAccount: true}
}

// Check returns every guardrail the stack breaks in its namespace, each at
// its field, saying the rule and where it comes from. others are the
// cluster's other namespaces, whose name prefixes the stack's names and
// roles may not fall under (the Guard passes them; without them only the
// prefix-free pattern's namespaces are kept apart).
func (p Policy) Check(stack *v1alpha1.EventDrivenStack, ns *corev1.Namespace, others ...*corev1.Namespace) field.ErrorList {
	if !p.applies(ns) {
		return nil
	}
	var errs field.ErrorList
	spec := field.NewPath("spec")
	ann := ns.GetAnnotations()
	nsName := ns.GetName()

	errs = append(errs, p.checkNames(stack, ns, others)...)
	if a := stack.Spec.Adoption; a != nil && a.Policy == v1alpha1.AdoptionAdoptOrCreate && !allowed(p.Adoption, ann[AnnotationAllowAdoption]) {
		errs = append(errs, field.Forbidden(spec.Child("adoption", "policy"), fmt.Sprintf(
			"adopting existing AWS resources is not allowed in namespace %s (%s)", nsName, modeRule(p.Adoption, "--adoption", AnnotationAllowAdoption))))
	}
	if a, acct := stack.Spec.Adoption, ann[AnnotationOwnerAccountID]; p.RequireAccount && a != nil && a.AccountID != "" && acct != "" && a.AccountID != acct {
		errs = append(errs, field.Forbidden(spec.Child("adoption", "accountID"), fmt.Sprintf(
			"account %s is not namespace %s's account %s (%s): every ARN the operator derives for the stack is in its namespace's account "+
				"(operator flag --require-account-mapping)", a.AccountID, nsName, acct, AnnotationOwnerAccountID)))
	}
	roles := p.RoleARNs.with(ann[AnnotationAllowedRoleARNs])
	buckets := p.CodeBuckets.with(ann[AnnotationAllowedCodeBuckets])
	images := p.ImageRepositories.with(ann[AnnotationAllowedImageRepositories])
	for i, f := range stack.Spec.Functions {
		at := spec.Child("functions").Index(i)
		if f.Code.S3Bucket != "" && !buckets.allows(f.Code.S3Bucket, nsName) {
			errs = append(errs, field.Forbidden(at.Child("code", "s3Bucket"), notAllowed("code bucket", f.Code.S3Bucket, nsName, buckets, "--allowed-code-buckets", AnnotationAllowedCodeBuckets)))
		}
		if f.Code.ImageURI != "" && !images.allows(ImageRepository(f.Code.ImageURI), nsName) {
			errs = append(errs, field.Forbidden(at.Child("code", "imageURI"), notAllowed("image repository", ImageRepository(f.Code.ImageURI), nsName, images,
				"--allowed-image-repositories", AnnotationAllowedImageRepositories)))
		}
	}
	for _, r := range roleRefs(stack) {
		errs = append(errs, p.checkRole(r, roles, ns, others)...)
	}
	errs = append(errs, p.checkEventBuses(stack, ns)...)
	external := allowed(p.ExternalCalls, ann[AnnotationAllowExternalCalls])
	data := p.DataBuckets.with(ann[AnnotationAllowedDataBuckets])
	for i, w := range stack.Spec.Workflows {
		if external {
			continue
		}
		at := spec.Child("workflows").Index(i).Child("definition")
		targets, err := asl.FindTargets(w.Definition)
		if err != nil {
			continue // validation names it
		}
		rule := fmt.Sprintf("workflows may call resources outside their stack, or name what they call at run time, only where the platform allows it in namespace %s (%s)",
			nsName, modeRule(p.ExternalCalls, "--external-workflow-calls", AnnotationAllowExternalCalls))
		for _, c := range targets.Calls {
			if c.In == "Task" {
				if calls := externalCall(c); calls != "" {
					errs = append(errs, field.Forbidden(at, fmt.Sprintf("state %s calls %s, which is not a component of this stack: %s", c.State, calls, rule)))
				}
				continue
			}
			refused, bucket, bucketOnly := dataAccess(c)
			switch {
			case refused != "" && (data.Restricted || !bucketOnly):
				errs = append(errs, field.Forbidden(at, refused+": "+rule))
			case bucket != "" && !data.allows(bucket, nsName):
				errs = append(errs, field.Forbidden(at, fmt.Sprintf("state %s's %s: %s", c.State, c.In,
					notAllowed("data bucket", bucket, nsName, data, "--allowed-data-buckets", AnnotationAllowedDataBuckets))))
			}
		}
	}
	return errs
}

// checkNames refuses a namePrefix the namespace may not have, and the AWS
// names that fall under another namespace's prefix: at spec.namePrefix when
// the namePrefix itself does, else at each name's field.
func (p Policy) checkNames(stack *v1alpha1.EventDrivenStack, ns *corev1.Namespace, others []*corev1.Namespace) field.ErrorList {
	var errs field.ErrorList
	at := field.NewPath("spec", "namePrefix")
	nsName := ns.GetName()
	want, from := p.namePrefix(ns)
	if _, set := ns.GetAnnotations()[AnnotationNamePrefix]; !set && strings.Contains(nsName, PrefixSeparator) {
		if _, _, free := prefixFree(p.NamePrefix); free {
			errs = append(errs, field.Forbidden(at, fmt.Sprintf(
				"namespace %s holds %q, which ends the namespace in the name prefixes that keep the teams' AWS names apart (%s): "+
					"the platform gives it a prefix without %q with the namespace annotation %s", nsName, PrefixSeparator, from, PrefixSeparator, AnnotationNamePrefix)))
			return errs
		}
	}
	if want != "" && !strings.HasPrefix(stack.Spec.NamePrefix, want) {
		errs = append(errs, field.Forbidden(at, fmt.Sprintf(
			"stacks in namespace %s must have a namePrefix that starts with %q (%s): it keeps the teams' AWS names apart", nsName, want, from)))
	}
	if owner, prefix, found := p.prefixOwner(stack.Spec.NamePrefix, ns, others); found {
		return append(errs, field.Forbidden(at, underPrefix("namePrefix", stack.Spec.NamePrefix, owner, prefix)))
	}
	for _, n := range render.AWSNames(stack) {
		if owner, prefix, found := p.prefixOwner(stem(n.Name), ns, others); found {
			errs = append(errs, field.Forbidden(FieldPath(n.Field), underPrefix(n.Kind, n.Name, owner, prefix)))
		}
	}
	return errs
}

// checkEventBuses refuses a rule target on an event bus the namespace may
// not put events on: one outside the allowlist that is not the namespace's
// own (in its account, named under its name prefix). Events put there leave
// the stack, and its team, for whoever owns that bus.
func (p Policy) checkEventBuses(stack *v1alpha1.EventDrivenStack, ns *corev1.Namespace) field.ErrorList {
	buses := p.EventBuses.with(ns.GetAnnotations()[AnnotationAllowedEventBuses])
	if !buses.Restricted {
		return nil
	}
	var errs field.ErrorList
	nsName := ns.GetName()
	prefix, _ := p.namePrefix(ns)
	account := ns.GetAnnotations()[AnnotationOwnerAccountID]
	for i, r := range stack.Spec.Rules {
		for j, t := range r.Targets {
			if t.EventBusARN == "" || buses.allows(t.EventBusARN, nsName) {
				continue
			}
			if own, ok := ParseEventBusARN(t.EventBusARN); ok && prefix != "" && account != "" && own.Account == account && strings.HasPrefix(own.Name, prefix) {
				continue
			}
			errs = append(errs, field.Forbidden(field.NewPath("spec", "rules").Index(i).Child("targets").Index(j).Child("eventBusARN"),
				notAllowed("event bus", t.EventBusARN, nsName, buses, "--allowed-event-buses", AnnotationAllowedEventBuses)+
					fmt.Sprintf("; the namespace's own buses (account %s, names starting %q) are allowed", orNone(account), prefix)))
		}
	}
	return errs
}

// EventBusARN is an event bus's ARN, read.
type EventBusARN struct{ Account, Name string }

// ParseEventBusARN reads arn:PARTITION:events:REGION:ACCOUNT:event-bus/NAME.
func ParseEventBusARN(arn string) (EventBusARN, bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "events" {
		return EventBusARN{}, false
	}
	name, ok := strings.CutPrefix(parts[5], "event-bus/")
	return EventBusARN{Account: parts[4], Name: name}, ok && name != ""
}

func orNone(s string) string {
	if s == "" {
		return "none mapped"
	}
	return s
}

// roleRef is a role the stack runs something as.
type roleRef struct {
	at *field.Path
	// where, for a role named in a workflow's definition: the state and field.
	where string
	arn   asl.Value
}

// roleRefs are the roles a stack names: functions' and workflows' roleARN,
// and the Credentials.RoleArn of its workflows' states.
func roleRefs(stack *v1alpha1.EventDrivenStack) []roleRef {
	var out []roleRef
	spec := field.NewPath("spec")
	for i, f := range stack.Spec.Functions {
		if f.RoleARN != "" {
			out = append(out, roleRef{at: spec.Child("functions").Index(i).Child("roleARN"), arn: asl.Value{Text: f.RoleARN}})
		}
	}
	for i, w := range stack.Spec.Workflows {
		at := spec.Child("workflows").Index(i)
		if w.RoleARN != "" {
			out = append(out, roleRef{at: at.Child("roleARN"), arn: asl.Value{Text: w.RoleARN}})
		}
		targets, err := asl.FindTargets(w.Definition)
		if err != nil {
			continue
		}
		for _, c := range targets.Credentials {
			out = append(out, roleRef{at: at.Child("definition"), where: fmt.Sprintf("state %s's Credentials.%s", c.State, c.RoleArn.Field), arn: c.RoleArn})
		}
	}
	return out
}

// checkRole refuses a role outside the namespace's allowlist (compared as
// IAM resolves it), one named at run time where the list is restricted, and
// one whose name falls under another namespace's prefix.
func (p Policy) checkRole(r roleRef, roles Allowlist, ns *corev1.Namespace, others []*corev1.Namespace) field.ErrorList {
	say := func(msg string) field.ErrorList {
		if r.where != "" {
			msg = r.where + ": " + msg
		}
		return field.ErrorList{field.Forbidden(r.at, msg)}
	}
	nsName := ns.GetName()
	if r.arn.RunTime {
		if !roles.Restricted {
			return nil
		}
		return say(fmt.Sprintf("the role is given at run time (%s): a task runs as a role the platform allows in namespace %s, written in the definition "+
			"(operator flag --allowed-role-arns and namespace annotation %s)", r.arn.Text, nsName, AnnotationAllowedRoleARNs))
	}
	role, ok := ParseRoleARN(r.arn.Text)
	if !ok {
		if !roles.Restricted {
			return nil
		}
		return say(fmt.Sprintf("%q is not an IAM role ARN (arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME)", r.arn.Text))
	}
	if !roles.allowsRole(r.arn.Text, nsName) {
		return say(notAllowed("role", r.arn.Text, nsName, roles, "--allowed-role-arns", AnnotationAllowedRoleARNs) +
			"; patterns are compared with the role's path and name apart (docs/multi-tenancy.md)")
	}
	if owner, prefix, found := p.prefixOwner(role.Name, ns, others); found {
		return say(underPrefix("role", r.arn.Text+" (name "+role.Name+")", owner, prefix) + ": a stack may not run as another namespace's roles")
	}
	return nil
}

// FieldPath turns an AWSName's field, "spec.tables[0].name (...)", into a
// path.
func FieldPath(s string) *field.Path {
	s, _, _ = strings.Cut(s, " (")
	parts := strings.Split(s, ".")
	p := field.NewPath(parts[0])
	for _, part := range parts[1:] {
		p = p.Child(part)
	}
	return p
}

// namePrefix is the prefix the namespace's stacks must start with, and where
// the rule comes from.
func (p Policy) namePrefix(ns *corev1.Namespace) (string, string) {
	if v, ok := ns.GetAnnotations()[AnnotationNamePrefix]; ok {
		return v, "namespace annotation " + AnnotationNamePrefix
	}
	if p.NamePrefix == "" {
		return "", ""
	}
	return strings.ReplaceAll(p.NamePrefix, "{namespace}", ns.GetName()), "operator flag --name-prefix-pattern=" + p.NamePrefix
}

func allowed(m Mode, annotation string) bool {
	return m == Allowed || m == "" || (m == Annotated && annotation == "true")
}

func modeRule(m Mode, flag, annotation string) string {
	if m == Forbidden {
		return "operator flag " + flag + "=forbidden"
	}
	return "operator flag " + flag + "=annotated; the platform has not set " + annotation + `: "true" on the namespace`
}

func notAllowed(what, value, ns string, l Allowlist, flag, annotation string) string {
	patterns := "none"
	if len(l.Patterns) > 0 {
		patterns = strings.Join(l.Patterns, ", ")
	}
	return fmt.Sprintf("%s %q is not one the platform allows in namespace %s (allowed: %s; operator flag %s and namespace annotation %s)",
		what, value, ns, patterns, flag, annotation)
}

// with adds a namespace annotation's patterns.
func (l Allowlist) with(annotation string) Allowlist {
	if !l.Restricted {
		return l
	}
	return Allowlist{Restricted: true, Patterns: append(append([]string(nil), l.Patterns...), splitList(annotation)...)}
}

// allows reports whether a value matches a pattern of the list.
func (l Allowlist) allows(value, namespace string) bool {
	if !l.Restricted {
		return true
	}
	for _, p := range l.Patterns {
		if Match(strings.ReplaceAll(p, "{namespace}", namespace), value) {
			return true
		}
	}
	return false
}

// Match reports whether value matches pattern, where * stands for any run of
// characters (slashes and colons included) and everything else for itself.
func Match(pattern, value string) bool {
	re := "^" + strings.ReplaceAll(regexp.QuoteMeta(pattern), `\*`, ".*") + "$"
	ok, _ := regexp.MatchString(re, value)
	return ok
}

// ImageRepository is an image URI without its tag or digest:
// registry/repository.
func ImageRepository(uri string) string {
	if i := strings.Index(uri, "@"); i >= 0 {
		uri = uri[:i]
	}
	if i := strings.LastIndex(uri, ":"); i > strings.LastIndex(uri, "/") {
		uri = uri[:i]
	}
	return uri
}

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
	// AnnotationAllowedImageRepositories adds comma-separated patterns of the
	// ECR repositories (registry/repository) the function images may come from.
	AnnotationAllowedImageRepositories = "stacks.eventstack.io/allowed-image-repositories"
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
	// overrides it for one namespace. It keeps the teams' AWS names apart.
	NamePrefix string
	// Adoption of existing AWS resources (spec.adoption).
	Adoption Mode
	// RoleARNs a function's or workflow's roleARN may match.
	RoleARNs Allowlist
	// CodeBuckets a function's zip may come from.
	CodeBuckets Allowlist
	// ImageRepositories a function's image may come from (registry/repository).
	ImageRepositories Allowlist
	// ExternalCalls: workflow tasks that call something other than the
	// stack's own components.
	ExternalCalls Mode
	// RequireAccount refuses stacks in a namespace that is not mapped to an
	// AWS account (ACK's owner-account-id annotation and role map).
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
// the namespace, adoption, custom roles, code buckets, image repositories and
// external calls only where the platform annotates the namespace, and every
// namespace mapped to an account.
func Strict() Policy {
	return Policy{NamePrefix: "{namespace}-", Adoption: Annotated, RoleARNs: Allowlist{Restricted: true},
		CodeBuckets: Allowlist{Restricted: true}, ImageRepositories: Allowlist{Restricted: true},
		ExternalCalls: Annotated, RequireAccount: true}
}

// Check returns every guardrail the stack breaks in its namespace, each at
// its field, saying the rule and where it comes from.
func (p Policy) Check(stack *v1alpha1.EventDrivenStack, ns *corev1.Namespace) field.ErrorList {
	if !p.applies(ns) {
		return nil
	}
	var errs field.ErrorList
	spec := field.NewPath("spec")
	ann := ns.GetAnnotations()
	nsName := ns.GetName()

	if want, from := p.namePrefix(ns); want != "" && !strings.HasPrefix(stack.Spec.NamePrefix, want) {
		errs = append(errs, field.Forbidden(spec.Child("namePrefix"), fmt.Sprintf(
			"stacks in namespace %s must have a namePrefix that starts with %q (%s): it keeps the teams' AWS names apart", nsName, want, from)))
	}
	if a := stack.Spec.Adoption; a != nil && a.Policy == v1alpha1.AdoptionAdoptOrCreate && !allowed(p.Adoption, ann[AnnotationAllowAdoption]) {
		errs = append(errs, field.Forbidden(spec.Child("adoption", "policy"), fmt.Sprintf(
			"adopting existing AWS resources is not allowed in namespace %s (%s)", nsName, modeRule(p.Adoption, "--adoption", AnnotationAllowAdoption))))
	}
	roles := p.RoleARNs.with(ann[AnnotationAllowedRoleARNs])
	buckets := p.CodeBuckets.with(ann[AnnotationAllowedCodeBuckets])
	images := p.ImageRepositories.with(ann[AnnotationAllowedImageRepositories])
	for i, f := range stack.Spec.Functions {
		at := spec.Child("functions").Index(i)
		if f.RoleARN != "" && !roles.allows(f.RoleARN, nsName) {
			errs = append(errs, field.Forbidden(at.Child("roleARN"), notAllowed("role", f.RoleARN, nsName, roles, "--allowed-role-arns", AnnotationAllowedRoleARNs)))
		}
		if f.Code.S3Bucket != "" && !buckets.allows(f.Code.S3Bucket, nsName) {
			errs = append(errs, field.Forbidden(at.Child("code", "s3Bucket"), notAllowed("code bucket", f.Code.S3Bucket, nsName, buckets, "--allowed-code-buckets", AnnotationAllowedCodeBuckets)))
		}
		if f.Code.ImageURI != "" && !images.allows(ImageRepository(f.Code.ImageURI), nsName) {
			errs = append(errs, field.Forbidden(at.Child("code", "imageURI"), notAllowed("image repository", ImageRepository(f.Code.ImageURI), nsName, images,
				"--allowed-image-repositories", AnnotationAllowedImageRepositories)))
		}
	}
	for i, w := range stack.Spec.Workflows {
		at := spec.Child("workflows").Index(i)
		if w.RoleARN != "" && !roles.allows(w.RoleARN, nsName) {
			errs = append(errs, field.Forbidden(at.Child("roleARN"), notAllowed("role", w.RoleARN, nsName, roles, "--allowed-role-arns", AnnotationAllowedRoleARNs)))
		}
		if allowed(p.ExternalCalls, ann[AnnotationAllowExternalCalls]) {
			continue
		}
		def, err := render.ParseDefinition(w)
		if err != nil {
			continue // validation names it
		}
		for _, c := range def.ExternalCalls() {
			errs = append(errs, field.Forbidden(at.Child("definition"), fmt.Sprintf(
				"state %s calls %s, which is not a component of this stack: workflows may call resources outside their stack only where the platform allows it in namespace %s (%s)",
				c.State, c.Calls, nsName, modeRule(p.ExternalCalls, "--external-workflow-calls", AnnotationAllowExternalCalls))))
		}
	}
	return errs
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

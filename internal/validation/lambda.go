package validation

// Lambda refusals that depend on more than one field's shape: the account a
// function's role is in, and the repository, tag and digest its image names.
// aws.go already checks the role's pattern and partition and the image's
// registry (an ECR private registry, no FIPS endpoint) and region; nothing of
// that is repeated here. aws_constraints.md ("Lambda: roles and images")
// gives the pages each rule rests on.

import (
	"fmt"
	"regexp"
	"strings"

	ackv1alpha1 "github.com/aws-controllers-k8s/runtime/apis/core/v1alpha1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
)

var (
	// ecrRepositoryName is the pattern of an ECR private repository name
	// (CreateRepository repositoryName): path components of lowercase
	// letters and digits, each joined inside by a single ., _ or -, and
	// separated by single slashes.
	ecrRepositoryName = regexp.MustCompile(`^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$`)
	// ecrDigest is the digest ECR gives an image: the sha256 of its
	// manifest, lowercase hex.
	ecrDigest = regexp.MustCompile(`^sha256:[a-f0-9]{64}$`)
	// iamAccount is the account field of an IAM ARN.
	iamAccount = regexp.MustCompile(`^[0-9]{12}$`)
)

// ECR limits (CreateRepository repositoryName, ImageIdentifier imageTag).
const (
	minECRRepositoryName = 2
	maxECRRepositoryName = 256
	maxECRImageTag       = 300
)

// ecrRepositoryRule is what ECR takes as a repository name, for messages.
const ecrRepositoryRule = "ECR repository names are 2 to 256 characters of lowercase letters, numbers, hyphens, underscores, " +
	"periods and forward slashes, each part between slashes starting and ending with a letter or number, " +
	"with no two separators in a row (CreateRepository pattern (?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*)"

// lambdaRoleAndImage checks a function's role against the account the spec
// names (spec.adoption.accountID; the namespace's account is not known here,
// see CrossAccountRoles) and its image's repository, tag and digest.
func (v *validator) lambdaRoleAndImage(p *field.Path, f v1alpha1.Function) {
	if a := v.spec.Adoption; a != nil && a.AccountID != "" {
		v.errs = append(v.errs, roleInAccount(p.Child("roleARN"), f.RoleARN, a.AccountID, "spec.adoption.accountID")...)
	}
	if f.Code.ImageURI != "" {
		v.errs = append(v.errs, imageReference(p.Child("code", "imageURI"), f.Code.ImageURI)...)
	}
}

// CrossAccountRoles refuses each function roleARN in another AWS account
// than the namespace's, for callers that know the namespace's account (the
// webhook reads ACK's owner-account-id annotation through the tenancy guard):
// Validate sees the spec alone, and so judges roles only against
// spec.adoption.accountID. When the spec names an adoption account, that is
// the stack's account, Validate has judged the roles against it, and this
// returns nothing; it returns nothing either when namespaceAccount is ""
// (a namespace without the annotation: the operator's own account, which
// admission does not know, and Lambda judges).
func CrossAccountRoles(stack *v1alpha1.EventDrivenStack, namespaceAccount string) field.ErrorList {
	if namespaceAccount == "" || (stack.Spec.Adoption != nil && stack.Spec.Adoption.AccountID != "") {
		return nil
	}
	source := fmt.Sprintf("the account of namespace %s, its %s annotation", stack.Namespace, ackv1alpha1.AnnotationOwnerAccountID)
	var errs field.ErrorList
	for i, f := range stack.Spec.Functions {
		errs = append(errs, roleInAccount(field.NewPath("spec", "functions").Index(i).Child("roleARN"), f.RoleARN, namespaceAccount, source)...)
	}
	return errs
}

// roleInAccount refuses a role ARN of another account than the stack's:
// a service takes a role only from its own account (IAM: "You can only use
// the PassRole permission to pass an IAM role to a service that shares the
// same AWS account"), and Lambda's CreateFunction refuses any other with
// AccessDeniedException "Cross-account pass role is not allowed.". An ARN
// without a 12-digit account is left to the pattern check in aws.go.
func roleInAccount(p *field.Path, arn, account, source string) field.ErrorList {
	parts := strings.Split(arn, ":")
	if len(parts) < 6 || !iamAccount.MatchString(parts[4]) || parts[4] == account {
		return nil
	}
	return field.ErrorList{field.Invalid(p, arn, fmt.Sprintf(
		"the role is in account %s, and the stack's account is %s (%s): Lambda takes an execution role of the function's own account only "+
			"(CreateFunction: \"Cross-account pass role is not allowed.\"); use a role of account %s",
		parts[4], account, source, account))}
}

// imageReference checks the repository, tag and digest of an image in an ECR
// private registry. A URI whose registry is not ECR's is refused by
// imageURI (aws.go) and not looked at here.
//
// The forms are <registry>/<repository>:<tag> and
// <registry>/<repository>@sha256:<digest>. A repository name holds no colon
// or at sign, so the first of either ends it.
func imageReference(p *field.Path, uri string) field.ErrorList {
	host, rest, _ := strings.Cut(uri, "/")
	if !ecrImage.MatchString(host) || rest == "" {
		return nil
	}
	ref, digest, hasDigest := strings.Cut(rest, "@")
	repo, tag, hasTag := strings.Cut(ref, ":")
	var errs field.ErrorList
	if problem := repositoryProblem(repo); problem != "" {
		errs = append(errs, field.Invalid(p, uri, fmt.Sprintf("the ECR repository name %q %s: %s", repo, problem, ecrRepositoryRule)))
	}
	switch {
	case hasTag && tag == "":
		errs = append(errs, field.Invalid(p, uri, "the image tag after ':' is empty: ECR image tags are 1 to 300 characters"))
	case len(tag) > maxECRImageTag:
		errs = append(errs, field.Invalid(p, uri, fmt.Sprintf("the image tag is %d characters: ECR image tags are 1 to 300 characters", len(tag))))
	}
	if hasDigest && !ecrDigest.MatchString(digest) {
		errs = append(errs, field.Invalid(p, uri, fmt.Sprintf(
			"the image digest %q is not one ECR gives: sha256: followed by 64 lowercase hexadecimal digits", digest)))
	}
	if hasTag && hasDigest {
		errs = append(errs, field.Invalid(p, uri,
			"the image names both a tag and a digest: Lambda takes <repository>:<tag> or <repository>@sha256:<digest>, not both "+
				"(CreateFunction: \"Source image ... is not valid. Provide a valid source image.\"); keep the digest"))
	}
	return errs
}

// repositoryProblem says how a repository name breaks ECR's rule, in words a
// reader can act on, or "" when ECR takes it.
func repositoryProblem(name string) string {
	switch n := len(name); {
	case n < minECRRepositoryName:
		return fmt.Sprintf("is %d character(s) long, fewer than 2", n)
	case n > maxECRRepositoryName:
		return fmt.Sprintf("is %d characters long, more than 256", n)
	case ecrRepositoryName.MatchString(name):
		return ""
	}
	for _, r := range name {
		switch {
		case r >= 'A' && r <= 'Z':
			return fmt.Sprintf("holds the uppercase letter %q", r)
		case !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || strings.ContainsRune("._-/", r)):
			return fmt.Sprintf("holds %q", r)
		}
	}
	for _, part := range strings.Split(name, "/") {
		switch {
		case part == "":
			return "has an empty part between slashes (a leading, trailing or doubled slash)"
		case strings.ContainsAny(part[:1], "._-"):
			return fmt.Sprintf("has the part %q, which starts with a separator", part)
		case strings.ContainsAny(part[len(part)-1:], "._-"):
			return fmt.Sprintf("has the part %q, which ends with a separator", part)
		}
		for i := 1; i < len(part); i++ {
			if strings.ContainsRune("._-", rune(part[i])) && strings.ContainsRune("._-", rune(part[i-1])) {
				return fmt.Sprintf("has the part %q, with two separators in a row", part)
			}
		}
	}
	return "does not match the pattern"
}

package validation_test

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/validation"
)

const (
	imageRegistry = "123456789012.dkr.ecr.us-east-1.amazonaws.com/"
	imageDigest   = "@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
)

// An image's repository, tag and digest, as ECR and Lambda take them: each
// refused URI is refused at spec.functions[0].code.imageURI with the rule's
// words, and nothing else is reported; each accepted one yields no error.
func TestImageReference(t *testing.T) {
	cases := []struct {
		name string
		uri  string
		want []string // nil: accepted
	}{
		// Refused.
		{"uppercase repository", imageRegistry + "Orders:1", []string{`"Orders"`, "holds the uppercase letter 'O'", "lowercase letters"}},
		{"double separator", imageRegistry + "orders__api:1", []string{`part "orders__api", with two separators in a row`}},
		{"dot and dash in a row", imageRegistry + "team/orders.-api:1", []string{`part "orders.-api", with two separators in a row`}},
		{"leading separator", imageRegistry + "-orders:1", []string{`part "-orders", which starts with a separator`}},
		{"trailing separator", imageRegistry + "orders_:1", []string{`part "orders_", which ends with a separator`}},
		{"leading slash", imageRegistry + "/orders:1", []string{"empty part between slashes"}},
		{"doubled slash", imageRegistry + "team//orders:1", []string{"empty part between slashes"}},
		{"one character", imageRegistry + "o:1", []string{"is 1 character(s) long, fewer than 2"}},
		{"257 characters", imageRegistry + strings.Repeat("r", 257) + ":1", []string{"is 257 characters long, more than 256"}},
		{"a character ECR refuses", imageRegistry + "orders+api:1", []string{`holds '+'`}},
		{"empty tag", imageRegistry + "orders:", []string{"the image tag after ':' is empty"}},
		{"tag of 301 characters", imageRegistry + "orders:" + strings.Repeat("t", 301), []string{"the image tag is 301 characters"}},
		{"short digest", imageRegistry + "orders@sha256:abc", []string{`the image digest "sha256:abc"`, "64 lowercase hexadecimal"}},
		{"digest of another algorithm", imageRegistry + "orders@sha512:" + strings.Repeat("a", 128), []string{"sha256: followed by 64"}},
		{"uppercase digest", imageRegistry + "orders@sha256:" + strings.Repeat("A", 64), []string{"64 lowercase hexadecimal"}},
		{"tag and digest", imageRegistry + "orders:1" + imageDigest, []string{"both a tag and a digest", "Source image"}},

		// Accepted, at the limits.
		{"256-character repository", imageRegistry + strings.Repeat("r", 256) + ":1", nil},
		{"2-character repository", imageRegistry + "or:1", nil},
		{"nested repository path", imageRegistry + "team-a/payments.v2/orders_api/x9:2026-12-01", nil},
		{"digest-pinned", imageRegistry + "team/orders" + imageDigest, nil},
		{"no tag nor digest (left to Lambda)", imageRegistry + "orders", nil},
		{"300-character tag", imageRegistry + "orders:" + strings.Repeat("t", 300), nil},
		{"tag with upper case and underscores", imageRegistry + "orders:Release_1.2-rc", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stack := loadSeed(t)
			stack.Spec.Functions[0].Code = v1alpha1.FunctionCode{ImageURI: tc.uri}
			errs := validation.Validate(stack)
			if tc.want == nil {
				if len(errs) > 0 {
					t.Fatalf("refused:\n%v", errs.ToAggregate())
				}
				return
			}
			if len(errs) != 1 {
				t.Fatalf("want one error, got %d:\n%v", len(errs), errs.ToAggregate())
			}
			e := errs[0]
			if e.Type != field.ErrorTypeInvalid || e.Field != "spec.functions[0].code.imageURI" {
				t.Errorf("error at %s (%s), want Invalid at spec.functions[0].code.imageURI", e.Field, e.Type)
			}
			for _, w := range tc.want {
				if !strings.Contains(e.Error(), w) {
					t.Errorf("the error lacks %q:\n%s", w, e.Error())
				}
			}
		})
	}
}

// A registry Lambda does not take is reported once, by the registry check,
// not again for its repository.
func TestImageReferenceLeavesOtherRegistriesToTheRegistryCheck(t *testing.T) {
	stack := loadSeed(t)
	stack.Spec.Functions[0].Code = v1alpha1.FunctionCode{ImageURI: "docker.io/Library/Orders:1"}
	errs := validation.Validate(stack)
	if len(errs) != 1 || !strings.Contains(errs[0].Detail, "Amazon ECR private repositories only") {
		t.Fatalf("want the registry error alone, got:\n%v", errs.ToAggregate())
	}
}

// A function's role must be in the stack's account: spec.adoption.accountID
// in Validate, the namespace's annotated account in CrossAccountRoles.
func TestRoleAccount(t *testing.T) {
	const own, other = "111122223333", "444455556666"
	role := func(account string) string { return "arn:aws:iam::" + account + ":role/orders" }
	cases := []struct {
		name             string
		adoption         string // spec.adoption.accountID
		namespaceAccount string // what the webhook read from the namespace
		roles            []string
		// want are the functions whose roleARN is refused, in Validate and
		// in CrossAccountRoles.
		wantValidate, wantNamespace []int
		source                      string
	}{
		{"role of another account than the adoption account", own, "", []string{role(other)}, []int{0}, nil, "spec.adoption.accountID"},
		{"roles of both accounts", own, "", []string{role(own), role(other), role(other)}, []int{1, 2}, nil, "spec.adoption.accountID"},
		{"role of another account than the namespace's", "", own, []string{role(other)}, nil, []int{0}, "namespace team-a"},
		{"adoption account wins over the namespace's", own, other, []string{role(other)}, []int{0}, nil, "spec.adoption.accountID"},
		{"role in the adoption account", own, "", []string{role(own)}, nil, nil, ""},
		{"role in the namespace's account", "", own, []string{role(own)}, nil, nil, ""},
		{"account unknown at admission", "", "", []string{role(other)}, nil, nil, ""},
		{"no roleARN: the operator's role, in the stack's account", own, other, nil, nil, nil, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stack := loadSeed(t)
			stack.Namespace = "team-a"
			if tc.adoption != "" {
				stack.Spec.Adoption = &v1alpha1.Adoption{Policy: v1alpha1.AdoptionAdoptOrCreate, AccountID: tc.adoption}
			}
			for i, r := range tc.roles {
				stack.Spec.Functions[i].RoleARN = r
			}
			check := func(what string, errs field.ErrorList, want []int) {
				t.Helper()
				if len(errs) != len(want) {
					t.Fatalf("%s: want %d errors, got %d:\n%v", what, len(want), len(errs), errs.ToAggregate())
				}
				for k, i := range want {
					e := errs[k]
					if at := field.NewPath("spec", "functions").Index(i).Child("roleARN").String(); e.Field != at {
						t.Errorf("%s: error at %s, want %s", what, e.Field, at)
					}
					for _, w := range []string{"the role is in account " + other, "Cross-account pass role is not allowed.", tc.source} {
						if !strings.Contains(e.Error(), w) {
							t.Errorf("%s: the error lacks %q:\n%s", what, w, e.Error())
						}
					}
				}
			}
			check("Validate", validation.Validate(stack), tc.wantValidate)
			check("CrossAccountRoles", validation.CrossAccountRoles(stack, tc.namespaceAccount), tc.wantNamespace)
		})
	}
}

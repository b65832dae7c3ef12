package webhook

import (
	"context"
	"strings"
	"testing"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/test/seed"
)

// A zip function without code.sha256 is accepted with a warning: its code
// would never be updated by ACK; with sha256, or an image, no warning.
func TestWarnsOfZipCodeWithoutSHA256(t *testing.T) {
	stack := seed.Stack(t, "ns")
	warn, err := StackValidator{}.ValidateCreate(context.Background(), stack)
	if err != nil {
		t.Fatal(err)
	}
	if len(warn) != len(stack.Spec.Functions) || !strings.Contains(warn[0], "spec.functions[0].code.sha256 is not set") {
		t.Fatalf("warnings %q", warn)
	}
	for i := range stack.Spec.Functions {
		stack.Spec.Functions[i].Code.SHA256 = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
	}
	if warn, err := (StackValidator{}).ValidateUpdate(context.Background(), stack, stack); err != nil || len(warn) != 0 {
		t.Fatalf("with sha256: warnings %q, error %v", warn, err)
	}
}

// A protected table in a stack whose deletion deletes its resources is
// accepted with a warning that says how to delete it; with Retain, none.
func TestWarnsOfAProtectedTableThatDeletionWouldLeave(t *testing.T) {
	stack := seed.Stack(t, "ns")
	for i := range stack.Spec.Functions {
		stack.Spec.Functions[i].Code.SHA256 = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
	}
	stack.Spec.Tables[1].DeletionProtection = true
	warn, err := StackValidator{}.ValidateCreate(context.Background(), stack)
	if err != nil || len(warn) != 1 || !strings.Contains(warn[0], "spec.tables[1].deletionProtection: DynamoDB refuses to delete table") ||
		!strings.Contains(warn[0], "set deletionProtection false and apply before deleting the stack") {
		t.Fatalf("warnings %q, error %v", warn, err)
	}
	stack.Spec.DeletionPolicy = v1alpha1.DeletionPolicyRetain
	if warn, err := (StackValidator{}).ValidateCreate(context.Background(), stack); err != nil || len(warn) != 0 {
		t.Fatalf("with Retain: warnings %q, error %v", warn, err)
	}
}

// A zip that moves (a new s3Key or s3ObjectVersion) without a new sha256 would
// never be deployed by ACK: the update is refused, naming code.sha256; with a
// new sha256, or an unchanged location, it passes.
func TestRefusesCodeThatMovesWithoutANewSHA256(t *testing.T) {
	const hash, other = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", "LCa0a2j/xo/5m0U8HTBBNBNCLXBkg7+g+YpeiGJm564="
	old := seed.Stack(t, "ns")
	for i := range old.Spec.Functions {
		old.Spec.Functions[i].Code.SHA256 = hash
	}
	for _, tc := range []struct {
		name    string
		edit    func(c *v1alpha1.FunctionCode)
		refused bool
	}{
		{"new s3Key, same sha256", func(c *v1alpha1.FunctionCode) { c.S3Key = "lambdas/v2.zip" }, true},
		{"new s3ObjectVersion, same sha256", func(c *v1alpha1.FunctionCode) { c.S3ObjectVersion = "3HL4kqtJlcpXroDTDmJ" }, true},
		{"new s3Bucket, same sha256", func(c *v1alpha1.FunctionCode) { c.S3Bucket = "other-artifacts" }, true},
		{"new s3Key and sha256", func(c *v1alpha1.FunctionCode) { c.S3Key, c.SHA256 = "lambdas/v2.zip", other }, false},
		{"new sha256 alone", func(c *v1alpha1.FunctionCode) { c.SHA256 = other }, false},
		{"nothing moved", func(*v1alpha1.FunctionCode) {}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			updated := old.DeepCopy()
			tc.edit(&updated.Spec.Functions[1].Code)
			_, err := StackValidator{}.ValidateUpdate(context.Background(), old, updated)
			if !tc.refused {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), "spec.functions[1].code.sha256") ||
				!strings.Contains(err.Error(), "deploys a zip only when code.sha256 changes") {
				t.Fatalf("error %v, want spec.functions[1].code.sha256 refused", err)
			}
		})
	}
}

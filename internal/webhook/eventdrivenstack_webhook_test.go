package webhook

import (
	"context"
	"strings"
	"testing"

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

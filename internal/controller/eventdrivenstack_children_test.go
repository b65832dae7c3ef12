package controller

import (
	"strings"
	"testing"

	"k8s.io/utils/ptr"

	"github.com/eventstack-io/eventstack-operator/internal/ack"
)

// A stack that reached the API server without the webhook (or with it off)
// may still move a zip without a new sha256: the reconcile does not apply it,
// and says why, instead of reporting Ready on code that never deploys.
func TestUndeployableCodeIsNotApplied(t *testing.T) {
	const hash, other = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", "LCa0a2j/xo/5m0U8HTBBNBNCLXBkg7+g+YpeiGJm564="
	fn := func(key, version, sha string) *ack.Function {
		f := &ack.Function{Spec: ack.FunctionSpec{Name: ptr.To("orders"), Code: &ack.FunctionCode{S3Bucket: ptr.To("artifacts"), S3Key: ptr.To(key)}}}
		if version != "" {
			f.Spec.Code.S3ObjectVersion = ptr.To(version)
		}
		if sha != "" {
			f.Spec.Code.SHA256 = ptr.To(sha)
		}
		return f
	}
	for _, tc := range []struct {
		name              string
		existing, desired ack.Object
		refused           bool
	}{
		{"new key, same sha256", fn("v1.zip", "", hash), fn("v2.zip", "", hash), true},
		{"new version, same sha256", fn("v1.zip", "", hash), fn("v1.zip", "7", hash), true},
		{"new key, no sha256 either time", fn("v1.zip", "", ""), fn("v2.zip", "", ""), true},
		{"new key and sha256", fn("v1.zip", "", hash), fn("v2.zip", "", other), false},
		{"same key, new sha256", fn("v1.zip", "", hash), fn("v1.zip", "", other), false},
		{"not created yet", nil, fn("v2.zip", "", hash), false},
		{"not a function", &ack.Queue{}, &ack.Queue{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var existing ack.Object
			if tc.existing != nil {
				existing = tc.existing
			}
			why := undeployableCode(existing, tc.desired)
			if tc.refused != (why != "") {
				t.Fatalf("undeployableCode = %q, want refused %v", why, tc.refused)
			}
			if tc.refused && !strings.Contains(why, "function orders would keep running its old code") {
				t.Errorf("message %q does not say what happens", why)
			}
		})
	}
}

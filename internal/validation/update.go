package validation

import (
	"fmt"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
)

// Update returns what a change of a stack may not do, beyond what the new
// spec must satisfy on its own (Validate), each naming its field.
//
// A zip function's code may not move (s3Bucket, s3Key or s3ObjectVersion)
// while code.sha256 stays the same: ACK's lambda controller deploys a zip
// only when sha256 changes (lambda-controller v1.14.1
// pkg/resource/function/hooks.go, customUpdateFunction), so the function
// would keep running its old code while the stack reports Ready.
func Update(old, updated *v1alpha1.EventDrivenStack) field.ErrorList {
	before := map[string]v1alpha1.FunctionCode{}
	for _, f := range old.Spec.Functions {
		before[f.Name] = f.Code
	}
	var errs field.ErrorList
	for i, f := range updated.Spec.Functions {
		was, ok := before[f.Name]
		if !ok || f.Code.ImageURI != "" || was.ImageURI != "" || !MovedWithoutNewHash(was, f.Code) {
			continue
		}
		errs = append(errs, field.Invalid(field.NewPath("spec", "functions").Index(i).Child("code", "sha256"), f.Code.SHA256,
			fmt.Sprintf("must change with the code's location (%s): %s", codeLocation(f.Code), UndeployedCodeReason(f.Name))))
	}
	return errs
}

// MovedWithoutNewHash says whether a zip's location changed while its sha256
// did not.
func MovedWithoutNewHash(was, now v1alpha1.FunctionCode) bool {
	moved := was.S3Bucket != now.S3Bucket || was.S3Key != now.S3Key || was.S3ObjectVersion != now.S3ObjectVersion
	return moved && was.SHA256 == now.SHA256
}

// UndeployedCodeReason says why a zip that moved without a new sha256 is
// refused, for function name.
func UndeployedCodeReason(name string) string {
	return "ACK's lambda controller deploys a zip only when code.sha256 changes, so function " + name +
		" would keep running its old code; set code.sha256 to the new zip's SHA-256 (kubectl eds publish sets both), " +
		"or keep the old location if the new object holds the same zip"
}

func codeLocation(c v1alpha1.FunctionCode) string {
	loc := "s3://" + c.S3Bucket + "/" + c.S3Key
	if c.S3ObjectVersion != "" {
		loc += "?versionId=" + c.S3ObjectVersion
	}
	return loc
}

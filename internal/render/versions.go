package render

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"github.com/eventstack-io/eventstack-operator/internal/ack"
)

// revisionLength is how many hex digits of the revision digest name a
// version: 40 bits, as the spec hash's 8 digits are 32.
const revisionLength = 10

// Revision identifies what Lambda publishes as a version of a function: its
// code (the zip's SHA-256 or the image) and its configuration — everything
// of the Function child but what is not versioned (tags, reserved
// concurrency, the name) and where the zip comes from (a new S3 key with the
// same hash deploys nothing: docs/ack-behaviour.md row 17). Two Function
// children with the same revision publish the same version.
func Revision(fn *ack.Function) string {
	spec := fn.Spec
	spec.Tags, spec.ReservedConcurrentExecutions, spec.Name = nil, nil, nil
	if c := spec.Code; c != nil {
		spec.Code = &ack.FunctionCode{SHA256: c.SHA256, ImageURI: c.ImageURI}
	}
	b, err := json.Marshal(spec)
	if err != nil {
		panic(err) // a struct of strings, numbers and maps always marshals
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])[:revisionLength]
}

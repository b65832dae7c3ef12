package drift

import (
	"crypto/sha256"
	"encoding/base64"
	"strings"

	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/render"
)

// digestPrefix starts a digest: what the operator's cache keeps of a long
// string instead of the string (Digest).
const digestPrefix = "sha256:"

// digestBytes is how much of the SHA-256 a digest keeps: 128 bits, which no
// edit finds a collision for by chance, in a 29-byte string (a 32-byte
// allocation, against 64 for the whole hash: a seed stack's children hold
// about 40 digests).
const digestBytes = 16

// DigestLen is the length of a digest: the prefix and the base64 (URL
// alphabet, unpadded) of the first 128 bits of the SHA-256 of the string it
// stands for.
var DigestLen = len(digestPrefix) + base64.RawURLEncoding.EncodedLen(digestBytes)

// Digest is what the operator's cache keeps of a string the operator sets and
// never reads back (a policy document, a state machine's definition): a
// string longer than a digest becomes "sha256:" and its hash, 29 bytes
// whatever its length; a shorter string stays as it is, so Digest is
// idempotent (a digest is its own digest). NeedsApply compares a desired
// string with a cached digest through Digest, so that an out-of-band edit of
// such a field is still seen.
func Digest(s string) string {
	if len(s) <= DigestLen {
		return s
	}
	sum := sha256.Sum256([]byte(s))
	return digestPrefix + base64.RawURLEncoding.EncodeToString(sum[:digestBytes])
}

// IsDigest reports whether s has the form of a digest.
func IsDigest(s string) bool {
	return len(s) == DigestLen && strings.HasPrefix(s, digestPrefix)
}

// SameString reports whether a desired string and the string on a child are
// the same: equal, or the child's is a digest (the cache's) of the desired.
func SameString(want, have string) bool {
	return want == have || (IsDigest(have) && Digest(want) == have)
}

// DigestSpec replaces in place, in a child's spec, the strings the operator
// sets and never reads back by their Digest: those its kind's row in ack.Kinds
// names (ack.Kind.Digest: a state machine's definition, a role's trust and
// inline policies, a queue's or topic's access policy, a queue's redrive
// policy, a subscription's filter policy and a function's environment values). What the operator reads of them stays readable: whether
// a queue's or topic's policy, or a queue's redrive policy, is set at all
// (render's storage.go reads prior.Spec.Policy != nil). The operator's cache
// applies it to every child it holds (internal/operator); the strings are most
// of a child's size.
func DigestSpec(obj ack.Object) {
	if k := ack.KindOf(obj); k != nil {
		k.Digest(obj, digestPtr) // which strings: each kind's row says
	}
}

// HoldSpecHash moves a child's spec-hash annotation (render.AnnotationSpecHash)
// into its status's cache-only field (ack.Status.CachedSpecHash): the hash is
// the one annotation every child has its own value of, so that without it a
// stack's children, and the same component's children of many stacks, can
// share one map of annotations (internal/operator). SpecHash reads it from
// either place. Idempotent: a child without the annotation keeps what it holds.
func HoldSpecHash(obj ack.Object) {
	ann := obj.GetAnnotations()
	if h, ok := ann[render.AnnotationSpecHash]; ok {
		obj.ACKStatus().CachedSpecHash = h
		delete(ann, render.AnnotationSpecHash)
	}
}

// SpecHash is a child's spec-hash annotation, wherever it is held: on a child
// the API server answered, its annotation; on a cached one, where
// HoldSpecHash moved it.
func SpecHash(obj ack.Object) string {
	if h, ok := obj.GetAnnotations()[render.AnnotationSpecHash]; ok {
		return h
	}
	return obj.ACKStatus().CachedSpecHash
}

func digestPtr(p *string) {
	if p != nil {
		*p = Digest(*p)
	}
}

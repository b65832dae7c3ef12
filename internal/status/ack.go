package status

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	ackv1alpha1 "github.com/aws-controllers-k8s/runtime/apis/core/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/render"
)

// Assessment is what a child's kind-specific ACK status says beyond ACK's
// conditions (docs/ack-behaviour.md has the controller source of each case).
type Assessment struct {
	// Stalled: the child cannot get further without a change (a name taken
	// in AWS, a function Lambda marked Failed, an archived table).
	Stalled string
	// InProgress: AWS is still working on it although ACK may report it
	// synced (a function update in progress).
	InProgress string
	// Note: worth saying on a ready child (a subscription awaiting its
	// confirmation).
	Note string
}

// Live is what AWS itself says of a child where ACK's status cannot tell
// (package probe asks; see Child).
type Live struct {
	// Settled: AWS holds what the child declares and has finished with it.
	Settled bool
	// Working says what AWS is still doing, Differs what it holds that the
	// child does not declare yet, Failed why AWS failed it.
	Working, Differs, Failed string
}

// Assess reads what ACK reports on a child of the given kind.
func Assess(kind string, obj ack.Object) Assessment {
	if msg := nameTaken(kind, obj); msg != "" {
		return Assessment{Stalled: msg}
	}
	if msg := refused(kind, obj); msg != "" {
		return Assessment{Stalled: msg}
	}
	switch o := obj.(type) {
	case *ack.Function:
		st := o.Status
		switch {
		case ptr.Deref(st.State, "") == "Failed":
			// ACK never marks it synced, nor terminal: it would retry for ever.
			return Assessment{Stalled: "Lambda reports the function Failed: " + orUnknown(st.StateReason)}
		case ptr.Deref(st.LastUpdateStatus, "") == "Failed":
			// ACK reports it synced whatever its last update did.
			return Assessment{Stalled: "Lambda's last update of the function failed: " + orUnknown(st.LastUpdateStatusReason)}
		case deploying(o):
			// ACK reports it synced on the old code until Lambda reports
			// the new code's hash.
			return Assessment{InProgress: "deploying code " + shortSHA(*o.Spec.Code.SHA256) + " (Lambda runs " + shortSHA(ptr.Deref(st.CodeSHA256, "")) + ")"}
		case ptr.Deref(st.LastUpdateStatus, "") == "InProgress":
			return Assessment{InProgress: "Lambda is applying the last update of the function"}
		case ptr.Deref(st.State, "") == "Pending":
			return Assessment{InProgress: "Lambda is creating the function (Pending): " + orUnknown(st.StateReason)}
		}
	case *ack.Table:
		switch s := ptr.Deref(o.Status.TableStatus, ""); s {
		case "ARCHIVED", "ARCHIVING", "INACCESSIBLE_ENCRYPTION_CREDENTIALS":
			// ACK reports an ARCHIVED table synced.
			return Assessment{Stalled: "DynamoDB reports the table " + s +
				": its KMS key is not accessible (restore the key's access, then restore the table)"}
		case "CREATING", "UPDATING":
			return Assessment{InProgress: "DynamoDB reports the table " + s}
		}
	case *ack.Subscription:
		if ptr.Deref(o.Status.PendingConfirmation, "") == "true" {
			// ACK reports a subscription synced while it awaits confirmation.
			return Assessment{Note: "pending confirmation: SNS sent a confirmation request to the endpoint, which gets no message until its owner confirms"}
		}
	case *ack.EventSourceMapping:
		if s := ptr.Deref(o.Status.State, ""); s != "" && s != "Enabled" {
			// ACK reports a mapping synced whatever its state, and reads
			// the state again only at its resync.
			return Assessment{Note: "Lambda's state of the mapping when ACK last read it: " + s}
		}
	}
	return Assessment{}
}

// deploying reports whether a zip function declares code (its sha256) that
// Lambda does not run yet.
func deploying(f *ack.Function) bool {
	if ptr.Deref(f.Spec.PackageType, "Zip") != "Zip" || f.Spec.Code == nil || f.Spec.Code.SHA256 == nil {
		return false
	}
	return ptr.Deref(f.Status.CodeSHA256, "") != *f.Spec.Code.SHA256
}

// shortSHA is the first 8 characters of a code hash, for messages.
func shortSHA(sha string) string {
	if sha == "" {
		return "nothing yet"
	}
	return sha[:min(8, len(sha))]
}

// neverTransient are AWS error codes, by ACK controller, that only a change
// of the spec can fix but that the controller does not mark terminal (lambda
// and sfn have no terminal codes at the pinned releases): ACK would retry
// them for ever.
var neverTransient = map[string][]string{
	"lambda": {"InvalidParameterValueException:", "CodeStorageExceededException:", "CodeVerificationFailedException:",
		"InvalidCodeSignatureException:", "RequestTooLargeException:"},
	"sfn": {"InvalidDefinition:", "InvalidArn:", "InvalidName:", "InvalidLoggingConfiguration:", "InvalidTracingConfiguration:"},
}

// refused says, when ACK retries an error AWS will answer the same way each
// time, that the child needs a change: AWS's refusal.
func refused(kind string, obj ack.Object) string {
	rec := obj.ACKStatus().Condition(ackv1alpha1.ConditionTypeRecoverable)
	if rec == nil || rec.Status != corev1.ConditionTrue {
		return ""
	}
	msg := conditionMessage(rec)
	for _, code := range neverTransient[ACKController[kind]] {
		if strings.HasPrefix(msg, code) {
			return "AWS refuses it (ACK retries it for ever): " + msg
		}
	}
	return ""
}

func orUnknown(s *string) string {
	if v := ptr.Deref(s, ""); v != "" {
		return v
	}
	return "no reason given"
}

// resourceAlreadyExists is ACK's terminal message for a resource found by
// its name before ACK created it (runtime condition.NotManagedMessage).
const resourceAlreadyExists = "Resource already exists"

// takenCodes are the AWS error codes, as ACK puts them at the start of its
// condition messages, that say a name is already taken.
var takenCodes = []string{
	"EntityAlreadyExists:",       // IAM CreateRole
	"ResourceInUseException:",    // DynamoDB CreateTable
	"StateMachineAlreadyExists:", // Step Functions CreateStateMachine
	"QueueAlreadyExists:",        // SQS CreateQueue, other attributes
	"QueueNameExists:",           // the same, without the query-error header
	"ResourceConflictException:", // Lambda CreateFunction, CreateEventSourceMapping (only with "already exist")
	"InvalidParameter: Invalid parameter: Tags Reason: Topic already exists",
	"InvalidParameter: Invalid parameter: Attributes Reason: Topic already exists",
}

var existingUUID = regexp.MustCompile(`mapping with UUID ([0-9a-fA-F-]{36})`)

// nameTaken says, when ACK's conditions say so, that the child's AWS name is
// taken by a resource the stack does not manage. ACK retries most of these
// for ever (as recoverable) or stops with a bare "Resource already exists".
func nameTaken(kind string, obj ack.Object) string {
	var msg string
	for _, t := range []ackv1alpha1.ConditionType{ackv1alpha1.ConditionTypeTerminal, ackv1alpha1.ConditionTypeRecoverable} {
		if c := obj.ACKStatus().Condition(t); c != nil && c.Status == corev1.ConditionTrue {
			msg = conditionMessage(c)
			break
		}
	}
	if msg == "" {
		return ""
	}
	taken := msg == resourceAlreadyExists
	for _, code := range takenCodes {
		if strings.HasPrefix(msg, code) && (code != "ResourceConflictException:" || strings.Contains(msg, "already exist")) {
			taken = true
		}
	}
	if !taken {
		return ""
	}
	if m := existingUUID.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("an event source mapping of this function and queue already exists in AWS (UUID %s) and is not managed by this stack: adopt it (spec.adoption), or delete it", m[1])
	}
	how := "adopt it (spec.adoption)"
	if kind == "Role" {
		how = "adopt it (spec.adoption with adoptRoles: its policies become exactly the stack's)"
	}
	return fmt.Sprintf("name already taken in AWS: %s %q exists and is not managed by this stack (%s, or change spec.namePrefix); AWS said: %s",
		kind, awsNameOf(obj), how, msg)
}

// awsNameOf is the name a child gives its AWS resource.
func awsNameOf(obj ack.Object) string {
	switch o := obj.(type) {
	case *ack.Role:
		return ptr.Deref(o.Spec.Name, "")
	case *ack.Table:
		return ptr.Deref(o.Spec.TableName, "")
	case *ack.Queue:
		return ptr.Deref(o.Spec.QueueName, "")
	case *ack.Topic:
		return ptr.Deref(o.Spec.Name, "")
	case *ack.Function:
		return ptr.Deref(o.Spec.Name, "")
	case *ack.StateMachine:
		return ptr.Deref(o.Spec.Name, "")
	}
	return obj.GetName()
}

// RoleUsable says whether a role may be given to a function or state
// machine: ACK reports it synced, which its iam controller does only once the
// role's inline policies are in place, and on the operator's last change of
// its spec (Reported; observedGeneration is the generation ACK last reported
// on, so that an apply of annotations alone, which ACK never acts on, does
// not withhold the role).
func RoleUsable(role *ack.Role, observedGeneration int64) bool {
	synced := role.Status.Condition(ackv1alpha1.ConditionTypeResourceSynced)
	return synced != nil && synced.Status == corev1.ConditionTrue && Reported(role, observedGeneration)
}

// ReportedGeneration is the generation of a child that ACK has reported on,
// judged before the operator applies anything to it: its generation when ACK
// reported on the operator's last change (Reported), else what the stack's
// status last recorded. Judged then, an apply that changes only annotations
// (which leaves the generation, and which ACK never reconciles: its
// controllers watch generation changes only) keeps the child reported, even
// for a stack whose status an earlier release wrote without per-child
// generations.
func ReportedGeneration(obj ack.Object, recorded int64) int64 {
	if Reported(obj, recorded) {
		return obj.GetGeneration()
	}
	return recorded
}

// Reported says whether ACK has reported on the operator's last change of a
// child. ACK's status has no observedGeneration, and its ResourceSynced=True
// from before a change still stands after it; but ACK writes the status
// subresource at the end of every reconcile (it stamps its conditions each
// time), and the API server records, per field manager, when that manager's
// write last changed the object. So the child is reported on when
//   - its generation is the one the stack's status last saw reported
//     (observedGeneration: nothing ACK acts on changed since, as after an
//     edit of annotations alone), or
//   - a status write by another manager than the operator is not older than
//     the operator's last apply (managedFields times, in whole seconds; the
//     operator does not apply a change in the second of ACK's last status
//     write, see ApplyDelay, so "not older" means "after").
//
// Without managedFields (a client that strips them) it cannot tell, and says yes.
func Reported(obj ack.Object, observedGeneration int64) bool {
	if observedGeneration != 0 && obj.GetGeneration() == observedGeneration {
		return true
	}
	applied := appliedAt(obj)
	if applied.IsZero() {
		return true
	}
	reported := reportedAt(obj)
	return !reported.Before(&applied)
}

// ApplyDelay is how long the operator waits before it applies a change to a
// child that ACK wrote the status of less than a second ago: the API server's
// times are whole seconds, and an apply in the same second as ACK's last
// status write could not be told apart from one ACK already acted on. The
// margin covers a small clock skew between the operator and the API server.
func ApplyDelay(obj ack.Object, now time.Time) time.Duration {
	at := reportedAt(obj)
	if at.IsZero() {
		return 0
	}
	if wait := at.Add(time.Second + 200*time.Millisecond).Sub(now); wait > 0 {
		return wait
	}
	return 0
}

// appliedAt is when the operator's server-side apply last changed the child.
func appliedAt(obj ack.Object) metav1.Time {
	for _, m := range obj.GetManagedFields() {
		if m.Manager == render.FieldManager && m.Operation == metav1.ManagedFieldsOperationApply && m.Subresource == "" && m.Time != nil {
			return *m.Time
		}
	}
	return metav1.Time{}
}

// reportedAt is when a manager other than the operator (ACK) last changed the
// child's status.
func reportedAt(obj ack.Object) metav1.Time {
	var latest metav1.Time
	for _, m := range obj.GetManagedFields() {
		if m.Subresource == "status" && m.Manager != render.FieldManager && m.Time != nil && latest.Before(m.Time) {
			latest = *m.Time
		}
	}
	return latest
}

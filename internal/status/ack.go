package status

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	ackv1alpha1 "github.com/aws-controllers-k8s/runtime/apis/core/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/render"
)

// Assessment is what a child's kind-specific ACK status says beyond ACK's
// conditions (ack.Kind.Assess).
type Assessment = ack.Assessment

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
	if k := ack.KindOf(obj); k != nil {
		return k.Assess(obj) // what ready means for the kind
	}
	return Assessment{}
}

// refused says, when ACK retries an error AWS will answer the same way each
// time, that the child needs a change: AWS's refusal.
func refused(kind string, obj ack.Object) string {
	rec := obj.ACKStatus().Condition(ackv1alpha1.ConditionTypeRecoverable)
	if rec == nil || rec.Status != corev1.ConditionTrue {
		return ""
	}
	msg := conditionMessage(rec)
	k := ack.KindNamed(kind)
	if k == nil {
		return ""
	}
	for _, code := range k.Refusals {
		if strings.HasPrefix(msg, code) {
			return "AWS refuses it (ACK retries it for ever): " + msg
		}
	}
	return ""
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

// awsNameOf is the name a child gives its AWS resource, else the child's.
func awsNameOf(obj ack.Object) string {
	if k := ack.KindOf(obj); k != nil {
		if name := k.AWSName(obj); name != "" {
			return name
		}
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

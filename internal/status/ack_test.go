package status

import (
	"strings"
	"testing"
	"time"

	ackv1alpha1 "github.com/aws-controllers-k8s/runtime/apis/core/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/render"
)

var (
	t0 = metav1.NewTime(time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC))
	t1 = metav1.NewTime(t0.Add(time.Second))
	t2 = metav1.NewTime(t0.Add(2 * time.Second))
)

// written gives obj the managedFields of an apply by the operator at applied
// and a status write by ACK at reported (nil: none).
func written(obj ack.Object, applied, reported *metav1.Time) ack.Object {
	var mf []metav1.ManagedFieldsEntry
	if applied != nil {
		mf = append(mf, metav1.ManagedFieldsEntry{Manager: render.FieldManager, Operation: metav1.ManagedFieldsOperationApply, Time: applied})
	}
	if reported != nil {
		mf = append(mf, metav1.ManagedFieldsEntry{Manager: "controller", Operation: metav1.ManagedFieldsOperationUpdate, Subresource: "status", Time: reported})
	}
	obj.SetManagedFields(mf)
	return obj
}

func syncedQueue() *ack.Queue {
	return queue(cond(ackv1alpha1.ConditionTypeResourceSynced, corev1.ConditionTrue, "Resource synced successfully"))
}

func TestReported(t *testing.T) {
	cases := []struct {
		name     string
		obj      ack.Object
		observed int64
		want     bool
	}{
		{"ACK wrote after the apply", written(syncedQueue(), &t0, &t1), 0, true},
		{"ACK wrote in the second of the apply (the apply waits out ACK's second)", written(syncedQueue(), &t1, &t1), 0, true},
		{"ACK's last write is older than the apply", written(syncedQueue(), &t2, &t1), 0, false},
		{"never reported", written(syncedQueue(), &t1, nil), 0, false},
		{"no managedFields: cannot tell", syncedQueue(), 0, true},
		{"the generation ACK last reported on (an edit of annotations only)", func() ack.Object {
			q := written(syncedQueue(), &t2, &t1)
			q.SetGeneration(3)
			return q
		}(), 3, true},
		{"a newer generation than ACK last reported on", func() ack.Object {
			q := written(syncedQueue(), &t2, &t1)
			q.SetGeneration(4)
			return q
		}(), 3, false},
	}
	for _, tc := range cases {
		if got := Reported(tc.obj, tc.observed); got != tc.want {
			t.Errorf("%s: Reported = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestApplyDelay(t *testing.T) {
	q := written(syncedQueue(), &t0, &t1)
	if d := ApplyDelay(q, t1.Add(300*time.Millisecond)); d != 900*time.Millisecond {
		t.Errorf("an apply 300 ms into ACK's second waits %v, want 900ms", d)
	}
	if d := ApplyDelay(q, t2.Add(300*time.Millisecond)); d != 0 {
		t.Errorf("an apply a second after ACK's write waits %v", d)
	}
	if d := ApplyDelay(written(syncedQueue(), &t0, nil), t0.Time); d != 0 {
		t.Errorf("a child ACK never wrote waits %v", d)
	}
}

// A changed child is not Ready until ACK reported on the change, although
// ACK's ResourceSynced=True from before still stands.
func TestChildWaitsForACKToReportOnAChange(t *testing.T) {
	c := render.Child{Kind: "Queue", Name: "s-q"}
	q := written(syncedQueue(), &t2, &t1)
	q.SetGeneration(2)
	got := Child(c, q, nil, v1alpha1.ChildStatus{ObservedGeneration: 1}, nil)
	if got.Ready || got.State != v1alpha1.ChildInProgress || !strings.Contains(got.Message, "act on the change applied at 2026-11-29T12:00:02Z") ||
		got.ObservedGeneration != 1 {
		t.Errorf("before ACK reported: %+v", got)
	}
	q = written(syncedQueue(), &t1, &t2)
	q.SetGeneration(2)
	if got := Child(c, q, nil, v1alpha1.ChildStatus{ObservedGeneration: 1}, nil); !got.Ready || got.ObservedGeneration != 2 {
		t.Errorf("after ACK reported: %+v", got)
	}
	// A terminal error from before the change is not the change's.
	stale := written(queue(cond(ackv1alpha1.ConditionTypeTerminal, corev1.ConditionTrue, "InvalidAttributeValue: bad")), &t2, &t1)
	if got := Child(c, stale, nil, v1alpha1.ChildStatus{}, nil); got.State != v1alpha1.ChildInProgress {
		t.Errorf("terminal error before the fix was applied: %+v", got)
	}
}

func function(st ack.FunctionStatus) *ack.Function {
	f := &ack.Function{Status: st}
	f.Spec.Name = ptr.To("orders")
	return f
}

func TestAssess(t *testing.T) {
	recoverable := func(obj ack.Object, msg string) ack.Object {
		obj.ACKStatus().Conditions = []*ackv1alpha1.Condition{cond(ackv1alpha1.ConditionTypeRecoverable, corev1.ConditionTrue, msg)}
		return obj
	}
	terminal := func(obj ack.Object, msg string) ack.Object {
		obj.ACKStatus().Conditions = []*ackv1alpha1.Condition{cond(ackv1alpha1.ConditionTypeTerminal, corev1.ConditionTrue, msg)}
		return obj
	}
	role := &ack.Role{}
	role.Spec.Name = ptr.To("orders-role")
	table := func(s string) *ack.Table {
		t := &ack.Table{}
		t.Spec.TableName = ptr.To("orders")
		t.Status.TableStatus = ptr.To(s)
		return t
	}
	sm := &ack.StateMachine{}
	sm.Spec.Name = ptr.To("saga")
	q := &ack.Queue{}
	q.Spec.QueueName = ptr.To("orders")
	cases := []struct {
		name, kind              string
		obj                     ack.Object
		stalled, progress, note string
	}{
		{"function Failed (ACK retries it for ever)", "Function", function(ack.FunctionStatus{State: ptr.To("Failed"), StateReason: ptr.To("The role defined for the function cannot be assumed by Lambda.")}),
			"Lambda reports the function Failed: The role defined for the function cannot be assumed by Lambda.", "", ""},
		{"failed code update (ACK reports it synced)", "Function", function(ack.FunctionStatus{State: ptr.To("Active"), LastUpdateStatus: ptr.To("Failed"), LastUpdateStatusReason: ptr.To("Unzipped size must be smaller than 262144000 bytes")}),
			"last update of the function failed: Unzipped size", "", ""},
		{"update in progress", "Function", function(ack.FunctionStatus{State: ptr.To("Active"), LastUpdateStatus: ptr.To("InProgress")}), "", "applying the last update", ""},
		{"active function", "Function", function(ack.FunctionStatus{State: ptr.To("Active"), LastUpdateStatus: ptr.To("Successful")}), "", "", ""},
		{"archived table (ACK reports it synced)", "Table", table("ARCHIVED"), "DynamoDB reports the table ARCHIVED", "", ""},
		{"inaccessible key", "Table", table("INACCESSIBLE_ENCRYPTION_CREDENTIALS"), "INACCESSIBLE_ENCRYPTION_CREDENTIALS", "", ""},
		{"active table", "Table", table("ACTIVE"), "", "", ""},
		{"subscription pending confirmation", "Subscription", &ack.Subscription{Status: ack.SubscriptionStatus{PendingConfirmation: ptr.To("true")}}, "", "", "pending confirmation"},
		{"mapping synced whatever its state", "EventSourceMapping", &ack.EventSourceMapping{Status: ack.EventSourceMappingStatus{State: ptr.To("Creating")}}, "", "", "when ACK last read it: Creating"},
		{"role found by name (terminal)", "Role", terminal(role, "Resource already exists"), `name already taken in AWS: Role "orders-role"`, "", ""},
		{"role name taken, race (recoverable)", "Role", recoverable(&ack.Role{Spec: ack.RoleSpec{Name: ptr.To("orders-role")}}, "EntityAlreadyExists: Role with name orders-role already exists."), "adoptRoles", "", ""},
		{"table in use", "Table", recoverable(&ack.Table{Spec: ack.TableSpec{TableName: ptr.To("orders")}}, "ResourceInUseException: Table already exists: orders"), `Table "orders" exists`, "", ""},
		{"function exists", "Function", recoverable(function(ack.FunctionStatus{}), "ResourceConflictException: Function already exist: orders"), `Function "orders" exists`, "", ""},
		{"function update conflict is not a taken name", "Function", recoverable(function(ack.FunctionStatus{}), "ResourceConflictException: The operation cannot be performed at this time. An update is in progress for resource: orders"), "", "", ""},
		{"state machine exists", "StateMachine", recoverable(sm, "StateMachineAlreadyExists: State Machine Already Exists: 'arn:aws:states:us-east-1:1:stateMachine:saga'"), `StateMachine "saga" exists`, "", ""},
		{"queue exists with other attributes", "Queue", recoverable(q, "QueueAlreadyExists: A queue already exists with the same name and a different value for attribute VisibilityTimeout"), `Queue "orders" exists`, "", ""},
		{"topic exists with other tags", "Topic", terminal(&ack.Topic{Spec: ack.TopicSpec{Name: ptr.To("n")}}, "InvalidParameter: Invalid parameter: Tags Reason: Topic already exists with different tags"), `Topic "n" exists`, "", ""},
		{"mapping exists", "EventSourceMapping", recoverable(&ack.EventSourceMapping{}, `ResourceConflictException: An event source mapping with SQS arn (" arn:aws:sqs:us-east-1:1:q ") and function (" f ") already exists. Please update or delete the existing mapping with UUID 6b7c5c1e-1111-4222-8333-444455556666`),
			"(UUID 6b7c5c1e-1111-4222-8333-444455556666)", "", ""},
		{"another recoverable error", "Queue", recoverable(&ack.Queue{}, "AccessDenied: sqs:CreateQueue"), "", "", ""},
		{"code Lambda cannot fetch (retried for ever)", "Function", recoverable(function(ack.FunctionStatus{}), "InvalidParameterValueException: Error occurred while GetObject. S3 Error Code: NoSuchKey"),
			"AWS refuses it (ACK retries it for ever): InvalidParameterValueException: Error occurred while GetObject", "", ""},
		{"invalid definition (retried for ever)", "StateMachine", recoverable(&ack.StateMachine{}, "InvalidDefinition: Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET'"),
			"InvalidDefinition", "", ""},
		{"new code declared, old code running", "Function", deployingFunction("old", "NEW"), "", "deploying code NEWNEWNE (Lambda runs oldoldol)", ""},
		{"declared code running", "Function", deployingFunction("NEW", "NEW"), "", "", ""},
	}
	for _, tc := range cases {
		a := Assess(tc.kind, tc.obj)
		if !has(a.Stalled, tc.stalled) || !has(a.InProgress, tc.progress) || !has(a.Note, tc.note) {
			t.Errorf("%s: %+v, want stalled %q, in progress %q, note %q", tc.name, a, tc.stalled, tc.progress, tc.note)
		}
	}
}

// has: want "" means got must be "" too.
func has(got, want string) bool {
	if want == "" {
		return got == ""
	}
	return strings.Contains(got, want)
}

// A role's ARN is not enough for what assumes it: ACK reports it synced only
// once its policies are in place.
func TestRoleUsable(t *testing.T) {
	r := &ack.Role{}
	r.Status.ACKResourceMetadata = &ackv1alpha1.ResourceMetadata{ARN: ptr.To(ackv1alpha1.AWSResourceName("arn:aws:iam::1:role/r"))}
	r.Status.Conditions = []*ackv1alpha1.Condition{cond(ackv1alpha1.ConditionTypeResourceSynced, corev1.ConditionUnknown, "role created, requeuing to trigger updates")}
	if RoleUsable(r, 0) {
		t.Error("a role ACK has just created (no policies yet) is usable")
	}
	r.Status.Conditions[0].Status = corev1.ConditionTrue
	if !RoleUsable(r, 0) {
		t.Error("a synced role is not usable")
	}
	// An apply after ACK's last status write: a spec change ACK has not
	// acted on yet withholds the role; an apply of annotations alone (the
	// generation ACK reported on) does not, since ACK never reconciles it.
	written(r, &t2, &t1)
	r.SetGeneration(4)
	if RoleUsable(r, 3) {
		t.Error("a role whose new spec ACK has not acted on is usable")
	}
	if !RoleUsable(r, 4) {
		t.Error("a role after an apply of annotations alone is withheld")
	}
}

// The generation ACK reported on is judged before the operator applies: a
// child ACK reported on by the managedFields times records its generation,
// which an apply of annotations alone keeps; a stack whose status an earlier
// release wrote (no recorded generation) is covered the same way.
func TestReportedGeneration(t *testing.T) {
	q := written(syncedQueue(), &t1, &t2) // ACK reported after the last apply
	q.SetGeneration(5)
	if got := ReportedGeneration(q, 0); got != 5 {
		t.Errorf("a child ACK reported on, nothing recorded: %d, want 5", got)
	}
	q = written(syncedQueue(), &t2, &t1) // applied since, not reported
	q.SetGeneration(6)
	if got := ReportedGeneration(q, 5); got != 5 {
		t.Errorf("a change ACK has not reported on: %d, want the recorded 5", got)
	}
	// The operator's annotation-only apply moves its managedFields time past
	// ACK's last report but leaves the generation: judged before the apply,
	// the child stays reported.
	before := written(syncedQueue(), &t1, &t2)
	before.SetGeneration(5)
	gen := ReportedGeneration(before, 0)
	after := written(syncedQueue(), &t2, &t1)
	after.SetGeneration(5)
	if !Reported(after, gen) {
		t.Error("an annotation-only apply made the child unreported")
	}
}

// deployingFunction declares code `want` (a 44-character base64 hash made of
// it) while Lambda reports `have`.
func deployingFunction(have, want string) *ack.Function {
	hash := func(s string) string { return (strings.Repeat(s, 44))[:43] + "=" }
	f := function(ack.FunctionStatus{State: ptr.To("Active"), LastUpdateStatus: ptr.To("Successful"), CodeSHA256: ptr.To(hash(have))})
	f.Spec.PackageType = ptr.To("Zip")
	f.Spec.Code = &ack.FunctionCode{SHA256: ptr.To(hash(want))}
	return f
}

// What AWS itself says (Live) stands over what ACK's status says of a
// function it last saw Pending or InProgress: Ready once AWS settled it,
// InProgress while AWS works or holds other values, Stalled with AWS's
// reason; and it reports the child on, whatever ACK's managedFields say.
func TestChildWithWhatAWSSays(t *testing.T) {
	c := render.Child{Kind: "Function", Name: "s-orders"}
	pending := func() *ack.Function {
		f := function(ack.FunctionStatus{State: ptr.To("Pending")})
		f.Status.Conditions = []*ackv1alpha1.Condition{cond(ackv1alpha1.ConditionTypeResourceSynced, corev1.ConditionFalse, "Resource not synced")}
		f.SetGeneration(2)
		return written(f, &t1, &t2).(*ack.Function)
	}
	inProgress := func() *ack.Function {
		f := function(ack.FunctionStatus{State: ptr.To("Active"), LastUpdateStatus: ptr.To("InProgress")})
		f.Status.Conditions = []*ackv1alpha1.Condition{cond(ackv1alpha1.ConditionTypeResourceSynced, corev1.ConditionTrue, "Resource synced successfully")}
		f.SetGeneration(3)
		return written(f, &t1, &t2).(*ack.Function)
	}
	for _, tc := range []struct {
		name     string
		obj      *ack.Function
		live     *Live
		state    v1alpha1.ChildState
		contains string
	}{
		{"ACK saw it Pending, nothing asked", pending(), nil, v1alpha1.ChildInProgress, "Pending"},
		{"ACK saw it Pending, Lambda says settled", pending(), &Live{Settled: true}, v1alpha1.ChildReady, ""},
		{"ACK saw an update InProgress, nothing asked", inProgress(), nil, v1alpha1.ChildInProgress, "applying the last update"},
		{"ACK saw an update InProgress, Lambda still works", inProgress(), &Live{Working: "Lambda is applying the last update of the function (InProgress)"}, v1alpha1.ChildInProgress, "(InProgress)"},
		{"ACK saw an update InProgress, Lambda holds other values", inProgress(), &Live{Differs: "Lambda has memorySize 128, the child declares 512"}, v1alpha1.ChildInProgress, "(ACK has not applied it yet)"},
		{"ACK saw an update InProgress, Lambda failed it", inProgress(), &Live{Failed: "Lambda's last update of the function failed: EniLimitExceeded"}, v1alpha1.ChildStalled, "EniLimitExceeded"},
		{"ACK saw an update InProgress, Lambda settled", inProgress(), &Live{Settled: true}, v1alpha1.ChildReady, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Child(c, tc.obj, nil, v1alpha1.ChildStatus{}, tc.live)
			if got.State != tc.state || !strings.Contains(got.Message, tc.contains) {
				t.Fatalf("%s %q, want %s containing %q", got.State, got.Message, tc.state, tc.contains)
			}
			if got.Ready != (tc.state == v1alpha1.ChildReady) {
				t.Errorf("ready %v in state %s", got.Ready, got.State)
			}
			if tc.live != nil && tc.live.Settled && got.ObservedGeneration != tc.obj.GetGeneration() {
				t.Errorf("observedGeneration %d, want the generation AWS settled, %d", got.ObservedGeneration, tc.obj.GetGeneration())
			}
		})
	}
}

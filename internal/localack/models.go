package localack

import (
	"context"
	"errors"

	ackv1alpha1 "github.com/aws-controllers-k8s/runtime/apis/core/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/arns"
)

// model is how one kind's ACK controller reports, in this stand-in, beyond
// what the runtime does for every kind (playStatus; docs/ack-behaviour.md has
// the controller source of each row). A kind without a row is reported with
// its ARN and synced on its create, and nothing more: a new kind needs a row
// only where its controller does more.
type model struct {
	// created sets what the controller reports of a resource it just
	// created besides its ARN; requeue says that it reports it not synced
	// yet (it set the conditions) and comes back.
	created func(obj ack.Object, s arns.Scope) (requeue bool)
	// synced sets what the controller reports when a requeued reconcile
	// finds the resource in sync.
	synced func(obj ack.Object)
	// updated sets what the controller reports after an update.
	updated func(obj ack.Object)
	// aws, with a local AWS, makes or changes the resource there as the
	// controller does; handled false leaves the reconcile to playStatus.
	aws func(ctx context.Context, a *awsSide, obj ack.Object, account string, newGeneration bool) (handled, write bool, err error)
	// made says whether the controller made the resource, for a kind
	// whose controller reports no ARN; nil: it reported one.
	made func(obj ack.Object) bool
}

// models are the kinds whose controllers do more than the runtime, by kind.
var models = map[string]model{
	"Role": {
		created: func(obj ack.Object, _ arns.Scope) bool { roleCreated(obj); return true },
		aws:     reconcileRole,
	},
	"Table": {
		created: func(obj ack.Object, _ arns.Scope) bool {
			// dynamodb-controller reads the new table CREATING and requeues
			// (requeueWaitWhileCreating): synced on its next reconcile.
			obj.(*ack.Table).Status.TableStatus = ptr.To("CREATING")
			SetCondition(obj, ackv1alpha1.ConditionTypeResourceSynced, corev1.ConditionUnknown, unknownSynced)
			return true
		},
		synced: func(obj ack.Object) { obj.(*ack.Table).Status.TableStatus = ptr.To("ACTIVE") },
	},
	"Queue": {
		created: func(obj ack.Object, s arns.Scope) bool {
			q := obj.(*ack.Queue)
			q.Status.QueueURL = ptr.To(s.QueueURL(ptr.Deref(q.Spec.QueueName, "")))
			q.Status.QueueARN = ptr.To(obj.ACKStatus().ARN())
			return false
		},
	},
	"Function": {
		created: func(obj ack.Object, _ arns.Scope) bool {
			f := obj.(*ack.Function)
			f.Status.State, f.Status.LastUpdateStatus = ptr.To("Active"), ptr.To("Successful")
			deployCode(f)
			return false
		},
		updated: func(obj ack.Object) { deployCode(obj.(*ack.Function)) }, // UpdateFunctionCode, when the declared hash changed
		aws:     reconcileFunction,
	},
	"EventSourceMapping": {
		created: func(obj ack.Object, _ arns.Scope) bool {
			// Read straight after CreateEventSourceMapping.
			m := obj.(*ack.EventSourceMapping)
			m.Status.UUID, m.Status.State = ptr.To(string(m.UID)), ptr.To("Creating")
			return false
		},
	},
	"StateMachine": {aws: reconcileStateMachine},
	"Version":      {aws: reconcileVersion, made: versionMade},
	"Alias":        {aws: reconcileAlias},
	"MetricAlarm":  {aws: reconcileMetricAlarm},
}

// With a local AWS, the data plane is made there too (aws_data.go); set
// here, as dataPlane reports through playStatus, which reads models.
func init() {
	for kind, call := range map[string]dataCall{"Queue": makeQueue, "Topic": makeTopic, "Subscription": makeSubscription,
		"Table": makeTable, "EventSourceMapping": makeMapping} {
		m := models[kind]
		m.aws = dataPlane(call)
		models[kind] = m
	}
}

// modelOf is the model of a child's kind; the zero model for a kind whose
// controller does nothing more than the runtime.
func modelOf(obj ack.Object) model {
	if k := ack.KindOf(obj); k != nil {
		return models[k.GVK.Kind]
	}
	return model{}
}

// made says whether ACK made a child's resource (what its next ReadOne
// finds): its kind's model says, else the ARN it reported.
func made(obj ack.Object) bool {
	if m := modelOf(obj); m.made != nil {
		return m.made(obj)
	}
	return obj.ACKStatus().ARN() != ""
}

// roleCreated: iam-controller publishes the ARN right after CreateRole and
// puts the policies on its next reconcile.
func roleCreated(obj ack.Object) {
	SetCondition(obj, ackv1alpha1.ConditionTypeRecoverable, corev1.ConditionTrue, "role created, requeuing to trigger updates")
	SetCondition(obj, ackv1alpha1.ConditionTypeResourceSynced, corev1.ConditionUnknown, "role created, requeuing to trigger updates")
}

// reconcileRole makes a role in the local AWS, then puts its policies on the
// next reconcile or a new generation, as iam-controller does.
func reconcileRole(ctx context.Context, a *awsSide, obj ack.Object, account string, newGeneration bool) (bool, bool, error) {
	o := obj.(*ack.Role)
	switch {
	case obj.ACKStatus().ARN() == "":
		arn, err := a.createRole(ctx, o)
		if err != nil {
			setRecoverable(obj, awsMessage(err))
			return true, true, nil
		}
		setARNIn(obj, arn, account)
		roleCreated(obj)
		return true, true, nil
	case newGeneration || !synced(obj):
		if err := a.putRolePolicies(ctx, o); err != nil {
			setRecoverable(obj, awsMessage(err))
			return true, true, nil
		}
		syncedNow(obj)
		return true, true, nil
	}
	return false, false, nil
}

// reconcileFunction makes, changes or reads a function in the local AWS as
// lambda-controller does: synced only when Active (or Inactive).
func reconcileFunction(ctx context.Context, a *awsSide, obj ack.Object, account string, newGeneration bool) (bool, bool, error) {
	o := obj.(*ack.Function)
	var err error
	switch {
	case obj.ACKStatus().ARN() == "":
		if err = a.createFunction(ctx, o); err == nil {
			setARNIn(obj, FakeARN(obj, obj.GetAnnotations()[ackv1alpha1.AnnotationRegion]), account)
		}
	case newGeneration:
		err = a.updateFunction(ctx, o)
	default:
		err = a.readFunction(ctx, o)
	}
	if err != nil {
		if errors.Is(err, errBusy) {
			return true, false, err
		}
		setRecoverable(obj, awsMessage(err))
		return true, true, nil
	}
	if s := ptr.Deref(o.Status.State, ""); s == "Active" || s == "Inactive" {
		syncedNow(obj)
	} else {
		SetCondition(obj, ackv1alpha1.ConditionTypeResourceSynced, corev1.ConditionFalse, "Resource not synced")
	}
	return true, true, nil
}

// reconcileStateMachine makes or updates a state machine in the local AWS as
// sfn-controller does.
func reconcileStateMachine(ctx context.Context, a *awsSide, obj ack.Object, account string, newGeneration bool) (bool, bool, error) {
	o := obj.(*ack.StateMachine)
	switch {
	case obj.ACKStatus().ARN() == "":
		arn, err := a.createStateMachine(ctx, o)
		if err != nil {
			setRecoverable(obj, awsMessage(err))
			return true, true, nil
		}
		setARNIn(obj, arn, account)
		syncedNow(obj)
		return true, true, nil
	case newGeneration:
		if err := a.updateStateMachine(ctx, o, obj.ACKStatus().ARN()); err != nil {
			setRecoverable(obj, awsMessage(err))
			return true, true, nil
		}
		// sfn-controller hands the runtime the desired object itself: its
		// status patch compares it with itself and writes nothing.
		return true, false, nil
	}
	return false, false, nil
}

// reconcileMetricAlarm puts the alarm in the local AWS on its creation and
// on each new generation, so that the operator reads its state there
// (cloudwatch-controller reports none).
func reconcileMetricAlarm(ctx context.Context, a *awsSide, obj ack.Object, account string, newGeneration bool) (bool, bool, error) {
	if obj.ACKStatus().ARN() != "" && !newGeneration {
		return false, false, nil
	}
	arn, err := a.putMetricAlarm(ctx, obj.(*ack.MetricAlarm))
	if err != nil {
		setRecoverable(obj, awsMessage(err))
		return true, true, nil
	}
	setARNIn(obj, arn, account)
	syncedNow(obj)
	return true, true, nil
}

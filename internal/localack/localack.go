// Package localack stands in for the ACK controllers on a laptop (make
// run-local) and in the tests: it reconciles each child the operator creates
// or changes the way the released controllers' runtime does (Player;
// docs/ack-behaviour.md) — an ARN and ACK.ResourceSynced once the resource
// "exists", a role in two rounds, a status write at the end of each
// reconcile, a reconcile only on a new generation or a requeue, no status
// after a state machine's update — each kind after its own latency, so that a
// stack goes through its waves to Ready. Nothing is created in the real AWS.
//
// With a local AWS (internal/localaws) every kind is also made there, through
// the SDK, as its controller makes it (aws.go, aws_data.go): roles,
// functions, state machines, alarms, and the data plane the local AWS
// delivers to — queues, topics, subscriptions, tables, event source mappings
// — and the status reports the identifiers the local AWS gave (a mapping's
// UUID, a subscription's ARN). Without one, only the status is played.
package localack

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/localaws"
)

// Notice says that AWS is simulated, for the banner and each stack's events.
const Notice = "AWS is simulated (make run-local): nothing is created in AWS; a stand-in plays the ACK controllers " +
	"and an in-memory server on 127.0.0.1 plays AWS (EventBridge, Lambda, SQS, SNS, DynamoDB, Step Functions, IAM, " +
	"CloudWatch, CloudWatch Logs, STS), where the stand-in makes the stack's resources"

// Controllers plays the ACK controllers for every child in the cluster.
type Controllers struct {
	// Client writes the children's status; Reader, when set, reads them
	// (whole: the operator's cache keeps digests of long strings).
	Client client.Client
	Reader client.Reader
	// Scale multiplies every latency (0.2 makes a table take 2 s).
	Scale float64
	// Every is how often the children are looked at.
	Every time.Duration
	// Recorder, when set, tells each stack once that AWS is simulated.
	Recorder events.EventRecorder
	// AWS, when set, is the local AWS where the children's resources are
	// made (see Player).
	AWS *localaws.Server
	// Only, when set, limits the stand-in to the children it accepts (the
	// kinds no released controller plays, beside the released ones).
	Only func(ack.Object) bool

	told   map[string]bool
	player *Player
}

// Start plays until ctx ends (a manager Runnable).
func (c *Controllers) Start(ctx context.Context) error {
	every := c.Every
	if every <= 0 {
		every = 200 * time.Millisecond
	}
	c.told = map[string]bool{}
	c.player = NewPlayer(c.AWS)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if err := c.playAll(ctx); err != nil && ctx.Err() == nil {
				log.FromContext(ctx).Info("the ACK stand-in could not report a child; it tries again", "error", err.Error())
			}
		}
	}
}

// playAll reports every child whose latency has passed since the operator
// created or last changed it.
func (c *Controllers) playAll(ctx context.Context) error {
	c.tellStacks(ctx)
	now := time.Now()
	for _, k := range ack.Kinds {
		list := k.List()
		reader := c.Reader
		if reader == nil {
			reader = c.Client
		}
		if err := reader.List(ctx, list); err != nil {
			return err
		}
		for _, obj := range list.Objects() {
			if !obj.GetDeletionTimestamp().IsZero() || now.Sub(changedAt(obj)) < c.latency(k) || c.Only != nil && !c.Only(obj) {
				continue
			}
			account, err := NamespaceAccount(ctx, c.Client, obj.GetNamespace())
			if err != nil {
				return err
			}
			if _, err := c.player.ReconcileOne(ctx, c.Client, obj.DeepCopyObject().(ack.Object), account); err != nil {
				return fmt.Errorf("%s %s/%s: %w", k.GVK.Kind, obj.GetNamespace(), obj.GetName(), err)
			}
		}
	}
	return nil
}

// latency is how long AWS takes to create or change a resource of a kind,
// in this model (ack.Kind.Latency, an assumption: a table takes about 10 s, a
// role a few seconds for IAM, a function about 5 s), scaled.
func (c *Controllers) latency(k ack.Kind) time.Duration {
	d := k.Latency
	if c.Scale > 0 {
		d = time.Duration(float64(d) * c.Scale)
	}
	return d
}

// changedAt is when the child was created or last changed by the operator,
// or last reported (a role's second round counts from its first).
func changedAt(obj ack.Object) time.Time {
	at := obj.GetCreationTimestamp().Time
	for _, m := range obj.GetManagedFields() {
		if m.Time != nil && m.Time.After(at) && (m.Operation == metav1.ManagedFieldsOperationApply || m.Subresource == "status") {
			at = m.Time.Time
		}
	}
	return at
}

// tellStacks records, once per stack, an event saying that AWS is simulated.
func (c *Controllers) tellStacks(ctx context.Context) {
	if c.Recorder == nil {
		return
	}
	stacks := &v1alpha1.EventDrivenStackList{}
	if err := c.Client.List(ctx, stacks); err != nil {
		return
	}
	for i := range stacks.Items {
		s := &stacks.Items[i]
		if c.told[string(s.UID)] {
			continue
		}
		c.told[string(s.UID)] = true
		c.Recorder.Eventf(s, nil, corev1.EventTypeNormal, "SimulatedAWS", "Simulate", "%s", Notice)
	}
}

package localack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"

	ackv1alpha1 "github.com/aws-controllers-k8s/runtime/apis/core/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/localaws"
)

// Player plays the ACK controllers as their runtime (v0.60.0-v0.62.0, the
// pinned releases') reconciles, checked against the released controllers by
// test/released's TestStandInAgreesWithTheReleasedControllers:
//
//   - a reconcile runs when a child is created, when its generation changes
//     (the runtime's GenerationChangedPredicate: an apply of annotations
//     alone triggers none), and again while it is not synced and not
//     terminal (the runtime requeues it); a terminal child waits for a new
//     generation; a synced one for the resync (10 hours: never here);
//   - each reconcile ends with a status write, its conditions stamped;
//   - a role takes two reconciles (the ARN, then its policies);
//   - with a local AWS, functions and state machines are made there through
//     the SDK, as lambda-controller and sfn-controller make them: a new
//     function is Pending, so not synced, until a later reconcile reads it
//     Active; after an update the function reads InProgress and ACK does
//     not come back; code and configuration are applied one per reconcile;
//     a state machine's update writes no status at all; queues, topics,
//     subscriptions, tables and event source mappings are made there too
//     (aws_data.go), reported as without one but for the identifiers AWS
//     gave. Without one, a function is reported Active and its declared
//     code deployed.
//
// It remembers the generation it last reconciled of each child, as the
// controllers' watches do; a Player that has not seen a child reconciles it
// if the operator applied it after ACK's last status write (a controller
// that starts reconciles everything).
type Player struct {
	aws *awsSide

	mu         sync.Mutex
	reconciled map[types.UID]int64
}

// NewPlayer returns a player; aws, when not nil, is the local AWS where it
// makes the children's resources.
func NewPlayer(aws *localaws.Server) *Player {
	p := &Player{reconciled: map[types.UID]int64{}}
	if aws != nil {
		p.aws = newAWSSide(aws)
	}
	return p
}

// players are the players PlayACK uses, one per local AWS.
var players sync.Map

// PlayACK does what the ACK controllers would do for the children in a
// namespace that pass filter (nil: all), with one reconcile of each child
// that has a trigger (see Player), against the local AWS aws (nil: none).
// It returns how many children's status it wrote.
func PlayACK(ctx context.Context, c client.Client, aws *localaws.Server, namespace string, filter func(ack.Object) bool) (int, error) {
	v, _ := players.LoadOrStore(aws, NewPlayer(aws))
	return v.(*Player).Play(ctx, c, namespace, filter)
}

// Play reconciles, as ACK would, every child of the namespace that passes
// filter and has a trigger.
func (p *Player) Play(ctx context.Context, c client.Client, namespace string, filter func(ack.Object) bool) (int, error) {
	account, err := NamespaceAccount(ctx, c, namespace)
	if err != nil {
		return 0, err
	}
	wrote := 0
	for _, k := range ack.Kinds {
		list := k.List()
		if err := c.List(ctx, list, client.InNamespace(namespace)); err != nil {
			return wrote, err
		}
		for _, obj := range list.Objects() {
			if filter != nil && !filter(obj) || !obj.GetDeletionTimestamp().IsZero() {
				continue
			}
			ok, err := p.ReconcileOne(ctx, c, obj, account)
			if err != nil {
				return wrote, fmt.Errorf("playing ACK on %s %s: %w", k.GVK.Kind, obj.GetName(), err)
			}
			if ok {
				wrote++
			}
		}
	}
	return wrote, nil
}

// ReconcileOne runs one ACK reconcile of obj if it has a trigger, writes its
// status and reports whether it wrote one.
func (p *Player) ReconcileOne(ctx context.Context, c client.Client, obj ack.Object, account string) (bool, error) {
	if !p.triggered(obj) {
		return false, nil
	}
	before := obj.DeepCopyObject().(ack.Object)
	write, err := p.reconcile(ctx, obj, account)
	if errors.Is(err, errBusy) {
		return false, nil // ACK waits for Lambda and requeues
	}
	if err != nil {
		return false, err
	}
	if write && !sameSpec(before, obj) {
		// ACK writes what AWS answered back into the spec, then the
		// status (the runtime's patchResourceMetadataAndSpec).
		written := obj.DeepCopyObject().(ack.Object)
		if err := c.Patch(ctx, written, client.MergeFrom(before)); err != nil {
			return false, client.IgnoreNotFound(err)
		}
		obj.SetResourceVersion(written.GetResourceVersion())
	}
	if write {
		if err := c.Status().Update(ctx, obj); err != nil {
			return false, client.IgnoreNotFound(err)
		}
	}
	p.mu.Lock()
	p.reconciled[obj.GetUID()] = obj.GetGeneration()
	p.mu.Unlock()
	return write, nil
}

// triggered says whether the runtime reconciles obj now.
func (p *Player) triggered(obj ack.Object) bool {
	p.mu.Lock()
	last, seen := p.reconciled[obj.GetUID()]
	p.mu.Unlock()
	switch {
	case !made(obj) && !terminal(obj):
		return true // created
	case !seen:
		return changedSinceReported(obj) || !synced(obj) && !terminal(obj)
	case last != obj.GetGeneration():
		return true // a new generation
	}
	return !synced(obj) && !terminal(obj) // requeued
}

// reconcile sets what one reconcile of obj writes in its status, making or
// changing its AWS resource when the player has a local AWS; it reports
// whether the runtime writes a status.
func (p *Player) reconcile(ctx context.Context, obj ack.Object, account string) (bool, error) {
	p.mu.Lock()
	last, seen := p.reconciled[obj.GetUID()]
	p.mu.Unlock()
	newGeneration := seen && last != obj.GetGeneration() || !seen && changedSinceReported(obj)
	if m := modelOf(obj); m.aws != nil && p.aws != nil {
		if handled, write, err := m.aws(ctx, p.aws, obj, account, newGeneration); handled {
			return write, err
		}
	}
	return playStatus(obj, account, newGeneration), nil
}

func synced(obj ack.Object) bool {
	c := obj.ACKStatus().Condition(ackv1alpha1.ConditionTypeResourceSynced)
	return c != nil && c.Status == corev1.ConditionTrue
}

func terminal(obj ack.Object) bool {
	c := obj.ACKStatus().Condition(ackv1alpha1.ConditionTypeTerminal)
	return c != nil && c.Status == corev1.ConditionTrue
}

// syncedNow is a reconcile's end when in sync: ACK.ResourceSynced=True, the
// retry's Recoverable gone, every condition stamped.
func syncedNow(obj ack.Object) {
	st := obj.ACKStatus()
	st.Conditions = slices.DeleteFunc(st.Conditions, func(c *ackv1alpha1.Condition) bool {
		return c.Type == ackv1alpha1.ConditionTypeRecoverable
	})
	SetCondition(obj, ackv1alpha1.ConditionTypeResourceSynced, corev1.ConditionTrue, "Resource synced successfully")
	Stamp(obj)
}

// setRecoverable is a reconcile's end on an AWS error ACK retries: the
// runtime cannot tell whether the resource is in sync.
func setRecoverable(obj ack.Object, msg string) {
	SetCondition(obj, ackv1alpha1.ConditionTypeRecoverable, corev1.ConditionTrue, msg)
	SetCondition(obj, ackv1alpha1.ConditionTypeResourceSynced, corev1.ConditionUnknown, unknownSynced)
}

// sameSpec says whether two versions of a child have the same spec.
func sameSpec(a, b ack.Object) bool {
	spec := func(o ack.Object) string {
		raw, err := json.Marshal(o)
		if err != nil {
			return ""
		}
		var doc struct {
			Spec json.RawMessage `json:"spec"`
		}
		_ = json.Unmarshal(raw, &doc)
		return string(doc.Spec)
	}
	return spec(a) == spec(b)
}

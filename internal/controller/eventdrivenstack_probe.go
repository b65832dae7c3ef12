package controller

import (
	"context"
	"time"

	ackv1alpha1 "github.com/aws-controllers-k8s/runtime/apis/core/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/awsapi"
	"github.com/eventstack-io/eventstack-operator/internal/probe"
	"github.com/eventstack-io/eventstack-operator/internal/render"
	"github.com/eventstack-io/eventstack-operator/internal/status"
)

// probeAgain is how soon a child AWS is still working on is asked about again.
const probeAgain = 2 * time.Second

// reconcileProbe asks AWS itself where ACK's status cannot tell (package
// probe): a function ACK last saw Pending or InProgress, or whose code it
// left for a second pass; a state machine ACK updated without writing its
// status; a mapping disabled outside the stack (read at the resync interval,
// and enabled again); a child ACK calls "already exists" that the stack's own
// create made. What it learns stands over ACK's status (status.Child); a
// child AWS is still working on is asked about again soon.
func (r *EventDrivenStackReconciler) reconcileProbe(ctx context.Context, s *scope) (ctrl.Result, error) {
	s.live = map[status.ChildKey]*status.Live{}
	s.idle = map[status.ChildKey]bool{}
	if r.AWS == nil || s.rendered == nil {
		return ctrl.Result{}, nil
	}
	memo := r.memos.children(s.stack)
	p := &prober{r: r, s: s, memo: memo, mappingsDue: r.mappingsDue(memo)}
	var res ctrl.Result
	for _, c := range s.rendered.Children {
		res = soonest(res, p.child(ctx, c))
	}
	p.readAlarms(ctx)
	if p.mappingsDue {
		memo.mu.Lock()
		memo.mappingsAt = time.Now()
		memo.mu.Unlock()
	}
	return res, nil
}

// prober asks AWS about one stack's children, with the stack's clients made
// when first needed.
type prober struct {
	r       *EventDrivenStackReconciler
	s       *scope
	memo    *stackMemo
	clients *awsapi.Clients
	// mappingsDue: the mappings are read at this reconcile (once per resync
	// interval); false again after a read failed.
	mappingsDue bool
}

func (p *prober) ensureClients(ctx context.Context) error {
	if p.clients != nil {
		return nil
	}
	c, err := p.r.clients(ctx, p.s)
	p.clients = c
	return err
}

// child asks AWS about one child where ACK's status cannot tell, records
// what it said, and returns when to ask again.
func (p *prober) child(ctx context.Context, c render.Child) ctrl.Result {
	s := p.s
	key := status.ChildKey{Kind: c.Kind, Name: c.Name}
	existing := s.existing[key]
	if c.Object == nil || existing == nil || existing.ACKStatus().ARN() == "" && !lostCreate(existing) {
		return ctrl.Result{}
	}
	if m, isMapping := existing.(*ack.EventSourceMapping); isMapping && p.mappingsDue {
		p.repairMapping(ctx, c, m)
	}
	if p.memo.isSettled(existing) {
		s.live[key] = &status.Live{Settled: true}
		s.idle[key] = true
		return ctrl.Result{}
	}
	v, asked, err := p.ask(ctx, c, key, existing)
	if !asked {
		return ctrl.Result{}
	}
	if _, fn := c.Object.(*ack.Function); fn && err == nil && lostCreate(existing) {
		return p.r.reclaimLostCreate(ctx, s, p.memo, c, existing, v)
	}
	if err != nil {
		// ACK's status stands; the next reconcile asks again.
		log.FromContext(ctx).Info("could not ask AWS how a child stands", "kind", c.Kind, "name", c.Name, "error", err.Error())
		return requeue(probeAgain)
	}
	s.live[key] = &status.Live{Settled: v.Settled, Working: v.Working, Differs: v.Differs, Failed: v.Failed}
	s.idle[key] = v.Idle
	switch {
	case v.Settled:
		p.memo.settle(existing)
		s.reported[key] = existing.GetGeneration()
	case v.Failed == "":
		return requeue(probeAgain)
	}
	return ctrl.Result{}
}

// repairMapping reads a mapping at each resync, whatever else is known of
// it, and enables it again when it was disabled outside the stack.
func (p *prober) repairMapping(ctx context.Context, c render.Child, m *ack.EventSourceMapping) {
	err := p.ensureClients(ctx)
	if err == nil {
		err = p.r.enableMapping(ctx, p.s, p.clients.Lambda, m, c.Object.(*ack.EventSourceMapping))
	}
	if err != nil {
		// Read again at the next resync; the rest goes on.
		log.FromContext(ctx).Info("could not read an event source mapping from Lambda", "name", c.Name, "error", err.Error())
		p.mappingsDue = false
	}
}

// ask asks AWS how a child stands; asked is false where ACK's status tells.
func (p *prober) ask(ctx context.Context, c render.Child, key status.ChildKey, existing ack.Object) (probe.Verdict, bool, error) {
	reported := p.s.reported[key]
	switch want := c.Object.(type) {
	case *ack.Function:
		if !functionNeedsProbe(existing.(*ack.Function), reported) {
			return probe.Verdict{}, false, nil
		}
		if err := p.ensureClients(ctx); err != nil {
			return probe.Verdict{}, true, err
		}
		v, err := probe.Function(ctx, p.clients.Lambda, want)
		return v, true, err
	case *ack.StateMachine:
		if existing.GetGeneration() == reported && !ackCannotTell(existing) {
			return probe.Verdict{}, false, nil // ACK reported on it: its status tells
		}
		if err := p.ensureClients(ctx); err != nil {
			return probe.Verdict{}, true, err
		}
		v, err := probe.StateMachine(ctx, p.clients.StepFunctions, want, existing.ACKStatus().ARN())
		return v, true, err
	case *ack.EventSourceMapping:
		uuid := ptr.Deref(existing.(*ack.EventSourceMapping).Status.UUID, "")
		if uuid == "" || existing.GetGeneration() == reported && !ackCannotTell(existing) {
			return probe.Verdict{}, false, nil
		}
		if err := p.ensureClients(ctx); err != nil {
			return probe.Verdict{}, true, err
		}
		v, err := probe.Mapping(ctx, p.clients.Lambda, want, uuid)
		return v, true, err
	}
	return probe.Verdict{}, false, nil
}

// functionNeedsProbe says whether ACK's status of a function cannot tell
// where it stands: ACK reported on the operator's last change (so Lambda has
// it) but saw the function Pending (it looks again after 30 s), an update
// InProgress (it looks again only at its resync), or not the declared code.
func functionNeedsProbe(f *ack.Function, reported int64) bool {
	if lostCreate(f) {
		return true
	}
	if f.GetGeneration() != reported {
		return false
	}
	a := status.Assess("Function", f)
	synced := f.Status.Condition(ackv1alpha1.ConditionTypeResourceSynced)
	return a.InProgress != "" || (a.Stalled == "" && synced != nil && synced.Status != corev1.ConditionTrue &&
		ptr.Deref(f.Status.State, "") == "Pending")
}

// ackCannotTell says whether ACK's status of a child it acted on says
// nothing: ACK.ResourceSynced Unknown without an error. After an update the
// sfn and lambda (event source mapping) controllers hand the runtime the
// desired object, so the status patch carries the conditions of the
// reconcile before (for an adopted resource, "adopted resource, requeuing"),
// and ACK does not come back before its resync.
func ackCannotTell(obj ack.Object) bool {
	st := obj.ACKStatus()
	synced := st.Condition(ackv1alpha1.ConditionTypeResourceSynced)
	for _, t := range []ackv1alpha1.ConditionType{ackv1alpha1.ConditionTypeTerminal, ackv1alpha1.ConditionTypeRecoverable} {
		if c := st.Condition(t); c != nil && c.Status == corev1.ConditionTrue {
			return false
		}
	}
	return synced != nil && synced.Status == corev1.ConditionUnknown
}

// mappingsDue says whether the stack's event source mappings are to be read
// from Lambda: once per resync interval.
func (r *EventDrivenStackReconciler) mappingsDue(m *stackMemo) bool {
	every := r.ResyncInterval
	if every <= 0 {
		every = 5 * time.Minute
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return time.Since(m.mappingsAt) >= every
}

// enableMapping enables again a mapping disabled outside the stack: ACK's
// lambda controller never reads Enabled back, so it would stay disabled and
// the queue's messages would wait, then go to its dead-letter queue.
func (r *EventDrivenStackReconciler) enableMapping(ctx context.Context, s *scope, lc awsapi.Lambda, m, want *ack.EventSourceMapping) error {
	uuid := ptr.Deref(m.Status.UUID, "")
	if uuid == "" || !ptr.Deref(want.Spec.Enabled, true) {
		return nil
	}
	state, err := probe.MappingState(ctx, lc, uuid)
	if err != nil || state != "Disabled" {
		return err
	}
	if err := probe.EnableMapping(ctx, lc, uuid); err != nil {
		return err
	}
	if r.Recorder != nil {
		r.Recorder.Eventf(s.stack, nil, corev1.EventTypeWarning, "MappingEnabled", "Repair",
			"event source mapping %s (%s) was disabled outside the stack; enabled it again", m.Name, uuid)
	}
	return nil
}

// lostCreate says whether ACK stopped on a child with "Resource already
// exists": a resource of its name was there before ACK created it. That is
// someone else's, or the stack's own when the answer to ACK's create was lost
// and the SDK's retry found it.
func lostCreate(obj ack.Object) bool {
	c := obj.ACKStatus().Condition(ackv1alpha1.ConditionTypeTerminal)
	return c != nil && c.Status == corev1.ConditionTrue && ptr.Deref(c.Message, "") == "Resource already exists"
}

// reclaimLostCreate takes back a function the stack itself created whose
// create answer was lost: it carries the stack's tag in AWS. ACK stopped on
// it (terminal, and no finalizer: ACK does not manage it), and adopts only
// what a new object asks it to adopt, so the child is deleted (ACK deletes
// nothing in AWS for an object it does not manage) and made again with ACK's
// adoption annotations.
func (r *EventDrivenStackReconciler) reclaimLostCreate(ctx context.Context, s *scope, m *stackMemo, c render.Child, existing ack.Object, v probe.Verdict) ctrl.Result {
	if v.Owner != s.stack.Namespace+"/"+s.stack.Name {
		return ctrl.Result{} // someone else's: the child says the name is taken
	}
	for _, f := range existing.GetFinalizers() {
		if f == "finalizers."+existing.GetObjectKind().GroupVersionKind().Group+"/"+c.Kind {
			return ctrl.Result{} // ACK manages it after all: never delete what ACK would delete in AWS
		}
	}
	m.mu.Lock()
	if m.reclaim == nil {
		m.reclaim = map[string]bool{}
	}
	m.reclaim[c.Component] = true
	m.mu.Unlock()
	if err := r.Delete(ctx, existing, client.Preconditions{UID: ptr.To(existing.GetUID())}); client.IgnoreNotFound(err) != nil {
		return requeue(probeAgain)
	}
	key := status.ChildKey{Kind: c.Kind, Name: c.Name}
	delete(s.existing, key)
	// Made again by the next reconcile, whose render asks ACK to adopt it.
	s.deferred[key] = "made again for the ACK " + ack.KindNamed(c.Kind).Controller + " controller to adopt: the answer to its create was lost"
	if r.Recorder != nil {
		r.Recorder.Eventf(s.stack, nil, corev1.EventTypeNormal, "Reclaimed", "Adopt",
			"%s %s: the answer to ACK's create was lost and the retry found the stack's own resource; ACK adopts it", c.Kind, c.Name)
	}
	return requeue(time.Second)
}

// reclaimed are the components the next render asks ACK to adopt (see
// reclaimLostCreate).
func (r *EventDrivenStackReconciler) reclaimed(s *scope) map[string]bool {
	m := r.memos.children(s.stack)
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.reclaim) == 0 {
		return nil
	}
	out := make(map[string]bool, len(m.reclaim))
	for k := range m.reclaim {
		out[k] = true
	}
	return out
}

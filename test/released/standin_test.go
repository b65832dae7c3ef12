package released

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	ackv1alpha1 "github.com/aws-controllers-k8s/runtime/apis/core/v1alpha1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/localack"
	"github.com/eventstack-io/eventstack-operator/internal/render"
)

// standInStack names the stacks the ACK stand-in plays: the released
// controllers leave their children alone (--watch-selectors, suite_test.go).
const standInStack = "standin"

// The same scenario (create, a memory edit, a workflow edit, a tag edit)
// runs against the released controllers and against the stand-in
// (internal/localack), side by side; each child goes through the same
// sequence of ACK conditions with both.
func TestStandInAgreesWithTheReleasedControllers(t *testing.T) {
	t.Parallel()
	var wg sync.WaitGroup
	var released, standIn map[string][]string
	wg.Add(2)
	go func() { defer wg.Done(); released = conditionSequences(t, "cmpa-", "event-driven-stack", nil) }()
	go func() {
		defer wg.Done()
		ctx, stop := context.WithCancel(context.Background())
		defer stop()
		standIn = conditionSequences(t, "cmpb-", standInStack, func(ns string) {
			go func() {
				for ctx.Err() == nil {
					if _, err := localack.PlayACK(ctx, k8s, fake, ns, nil); err != nil && ctx.Err() == nil {
						t.Errorf("stand-in: %v", err)
						return
					}
					time.Sleep(100 * time.Millisecond)
				}
			}()
		})
	}()
	wg.Wait()
	if t.Failed() {
		return
	}
	var names []string
	for n := range released {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if r, s := strings.Join(released[n], " → "), strings.Join(standIn[n], " → "); r != s {
			t.Errorf("%s:\n  released controllers: %s\n  stand-in:             %s", n, r, s)
		}
	}
	if len(released) != len(standIn) || len(released) == 0 {
		t.Errorf("%d children with the released controllers, %d with the stand-in", len(released), len(standIn))
	}
}

// conditionSequences runs the scenario on a seed stack named name, its AWS
// names prefixed, and returns each child's sequence of ACK conditions (by
// kind and component), as its status writes showed them.
func conditionSequences(t *testing.T, prefix, name string, started func(ns string)) map[string][]string {
	stack := seedStack(t, prefix)
	stack.Name = name
	rec := &recorder{seqs: map[string][]string{}}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); rec.run(ctx, stack.Namespace, name) }()
	if started != nil {
		started(stack.Namespace)
	}
	create(t, stack)
	for _, change := range []func(*v1alpha1.EventDrivenStack){
		func(s *v1alpha1.EventDrivenStack) { s.Spec.Functions[0].MemoryMB = ptr.To[int32](512) },
		func(s *v1alpha1.EventDrivenStack) { s.Spec.Workflows[0].TimeoutSeconds = ptr.To[int32](600) },
		func(s *v1alpha1.EventDrivenStack) { s.Spec.Tags = map[string]string{"team": "orders"} },
	} {
		time.Sleep(1500 * time.Millisecond) // past the second of ACK's last status write
		mustEdit(t, stack, change)
		waitReady(t, stack, editBound)
	}
	time.Sleep(time.Second) // the last status writes
	stop()
	<-done
	return rec.seqs
}

// recorder records each child's ACK conditions at each of its writes, as a
// watch delivers them.
type recorder struct {
	mu   sync.Mutex
	seqs map[string][]string
}

func (r *recorder) run(ctx context.Context, ns, stack string) {
	wc, err := client.NewWithWatch(h.Config, client.Options{Scheme: h.Scheme})
	if err != nil {
		panic(err)
	}
	var wg sync.WaitGroup
	for _, k := range ack.Kinds {
		w, err := wc.Watch(ctx, k.List(), client.InNamespace(ns), client.MatchingLabels{render.LabelStack: stack})
		if err != nil {
			panic(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer w.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case ev, ok := <-w.ResultChan():
					if !ok {
						return
					}
					if obj, isChild := ev.Object.(ack.Object); isChild {
						r.record(k.GVK.Kind+" "+obj.GetAnnotations()[render.AnnotationComponent], conditionsOf(obj))
					}
				}
			}
		}()
	}
	wg.Wait()
}

func (r *recorder) record(key, state string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if seq := r.seqs[key]; state != "" && (len(seq) == 0 || seq[len(seq)-1] != state) {
		r.seqs[key] = append(seq, state)
	}
}

// conditionsOf is the state of a child's ACK conditions: each one's type and
// status, in a stable order.
func conditionsOf(obj ack.Object) string {
	var parts []string
	for _, c := range obj.ACKStatus().Conditions {
		switch c.Type {
		case ackv1alpha1.ConditionTypeResourceSynced, ackv1alpha1.ConditionTypeTerminal, ackv1alpha1.ConditionTypeRecoverable:
			parts = append(parts, fmt.Sprintf("%s=%s", strings.TrimPrefix(string(c.Type), "ACK."), c.Status))
		}
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

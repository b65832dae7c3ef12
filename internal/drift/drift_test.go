package drift

import (
	"testing"

	"k8s.io/utils/ptr"

	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/render"
)

func desiredQueue() *ack.Queue {
	q := &ack.Queue{Spec: ack.QueueSpec{QueueName: ptr.To("q"), VisibilityTimeout: ptr.To("30"),
		Tags: map[string]*string{"team": ptr.To("a")}}}
	q.SetName("s-q")
	q.SetLabels(map[string]string{render.LabelStack: "s"})
	q.SetAnnotations(map[string]string{render.AnnotationSpecHash: render.SpecHash(q)})
	return q
}

func TestNeedsApply(t *testing.T) {
	cases := []struct {
		name     string
		existing func() ack.Object
		want     bool
	}{
		{"absent", func() ack.Object { return nil }, true},
		{"typed nil", func() ack.Object { var q *ack.Queue; return q }, true},
		{"identical", func() ack.Object { return desiredQueue() }, false},
		{"ACK added fields and status", func() ack.Object {
			q := desiredQueue()
			q.Spec.MessageRetentionPeriod = ptr.To("345600") // late-initialised by ACK
			q.Status.QueueURL = ptr.To("https://sqs/q")
			q.Labels["other"] = "x"
			return q
		}, false},
		{"a field edited out of band", func() ack.Object { q := desiredQueue(); q.Spec.VisibilityTimeout = ptr.To("99"); return q }, true},
		{"a tag removed out of band", func() ack.Object { q := desiredQueue(); q.Spec.Tags = nil; return q }, true},
		{"our label removed", func() ack.Object { q := desiredQueue(); delete(q.Labels, render.LabelStack); return q }, true},
		{"applied from an older spec (hash)", func() ack.Object {
			q := desiredQueue()
			q.Annotations[render.AnnotationSpecHash] = "0000"
			return q
		}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := NeedsApply(desiredQueue(), tc.existing()); got != tc.want {
				t.Errorf("NeedsApply = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestIsSubsetLists(t *testing.T) {
	if !isSubset([]any{map[string]any{"a": "1"}}, []any{map[string]any{"a": "1", "b": "2"}}) {
		t.Error("a list element with extra fields in have is a subset")
	}
	if isSubset([]any{"a"}, []any{"a", "b"}) {
		t.Error("lists of other lengths are not a subset: an element the operator removed must be removed")
	}
	if isSubset(map[string]any{"a": int64(1)}, map[string]any{"a": int64(2)}) {
		t.Error("different scalars")
	}
}

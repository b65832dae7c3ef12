package putevents_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/cli/putevents"
	"github.com/eventstack-io/eventstack-operator/internal/localcluster"
)

// The seed events are those of the seed's "Send Test Events", byte for byte.
func TestSeedEventsAreTheSeedDocuments(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join(localcluster.RepoRoot(), "..", "shared", "seed", "event-driven-stack.md"))
	if err != nil {
		t.Skipf("the seed document is not beside the checkout: %v", err)
	}
	section := string(doc)
	if i := strings.Index(section, "Send Test Events"); i >= 0 {
		section = section[i:]
	}
	// "Source": "orders",
	// "DetailType": "Order Created",
	// "Detail": "{\"order_id\":...}"
	re := regexp.MustCompile(`"Source": "([^"]+)",\s*"DetailType": "([^"]+)",\s*"Detail": "((?:[^"\\]|\\.)*)"`)
	matches := re.FindAllStringSubmatch(section, 3)
	if len(matches) != 3 {
		t.Fatalf("found %d events in the seed document, want 3", len(matches))
	}
	for i, m := range matches {
		want := putevents.Event{Source: m[1], DetailType: m[2], Detail: strings.ReplaceAll(m[3], `\"`, `"`)}
		if putevents.SeedEvents[i] != want {
			t.Errorf("event %d:\n got %+v\nwant %+v", i, putevents.SeedEvents[i], want)
		}
	}
}

func TestReadDetail(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "detail.json")
	pretty := "{\n  \"order_id\": \"ORD-9\",\n  \"total\": 1.5\n}\n"
	if err := os.WriteFile(file, []byte(pretty), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := putevents.ReadDetail("@" + file)
	if err != nil || got != strings.TrimSpace(pretty) {
		t.Errorf("@file: %q, %v", got, err)
	}
	if got, err := putevents.ReadDetail(` {"a":1} `); err != nil || got != `{"a":1}` {
		t.Errorf("inline: %q, %v", got, err)
	}
	for _, bad := range []string{`[1,2]`, `"text"`, `{"a":`, `null`, ``, "@" + filepath.Join(dir, "missing.json")} {
		if _, err := putevents.ReadDetail(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestBusName(t *testing.T) {
	withBus := func(st v1alpha1.EventDrivenStackStatus) *v1alpha1.EventDrivenStack {
		return &v1alpha1.EventDrivenStack{
			ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "ns"},
			Spec:       v1alpha1.EventDrivenStackSpec{NamePrefix: "dev-", EventBus: &v1alpha1.EventBus{Name: "bus"}},
			Status:     st,
		}
	}
	fromOutputs := withBus(v1alpha1.EventDrivenStackStatus{Outputs: map[string]string{"eventBus.bus.name": "dev-bus"},
		Children: []v1alpha1.ChildStatus{{Kind: "EventBus", Name: "other"}}})
	if got, err := putevents.BusName(fromOutputs); err != nil || got != "dev-bus" {
		t.Errorf("from outputs: %q, %v", got, err)
	}
	fromChild := withBus(v1alpha1.EventDrivenStackStatus{Children: []v1alpha1.ChildStatus{{Kind: "Queue", Name: "q"}, {Kind: "EventBus", Name: "dev-bus"}}})
	if got, err := putevents.BusName(fromChild); err != nil || got != "dev-bus" {
		t.Errorf("from the EventBus child: %q, %v", got, err)
	}
	if _, err := putevents.BusName(withBus(v1alpha1.EventDrivenStackStatus{})); err == nil || !strings.Contains(err.Error(), "not reported its event bus") {
		t.Errorf("no status: %v", err)
	}
	noBus := &v1alpha1.EventDrivenStack{ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "ns"}}
	if _, err := putevents.BusName(noBus); err == nil || !strings.Contains(err.Error(), "spec.eventBus") {
		t.Errorf("no bus: %v", err)
	}
}

// fakeAPI records each PutEvents call and refuses entries whose source is "bad".
type fakeAPI struct {
	calls [][]ebtypes.PutEventsRequestEntry
	err   error
}

func (f *fakeAPI) PutEvents(_ context.Context, in *eventbridge.PutEventsInput, _ ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error) {
	if f.err != nil {
		return nil, f.err
	}
	f.calls = append(f.calls, in.Entries)
	out := &eventbridge.PutEventsOutput{}
	for i, e := range in.Entries {
		if ptr.Deref(e.Source, "") == "bad" {
			out.FailedEntryCount++
			out.Entries = append(out.Entries, ebtypes.PutEventsResultEntry{ErrorCode: ptr.To("InvalidArgument"), ErrorMessage: ptr.To("bad source")})
			continue
		}
		out.Entries = append(out.Entries, ebtypes.PutEventsResultEntry{EventId: ptr.To(fmt.Sprintf("id-%d-%d", len(f.calls), i))})
	}
	return out, nil
}

// Send puts at most 10 entries per call, on the bus, and returns one result
// per event in order, refused ones marked.
func TestSend(t *testing.T) {
	var events []putevents.Event
	for i := range 23 {
		source := "orders"
		if i == 12 {
			source = "bad"
		}
		events = append(events, putevents.Event{Source: source, DetailType: "T", Detail: fmt.Sprintf(`{"n":%d}`, i)})
	}
	api := &fakeAPI{}
	results, err := putevents.Send(context.Background(), api, "dev-bus", events)
	if err != nil {
		t.Fatal(err)
	}
	if len(api.calls) != 3 || len(api.calls[0]) != 10 || len(api.calls[2]) != 3 {
		t.Fatalf("calls of %d entries", len(api.calls))
	}
	for _, e := range api.calls[1] {
		if ptr.Deref(e.EventBusName, "") != "dev-bus" {
			t.Errorf("entry on bus %q", ptr.Deref(e.EventBusName, ""))
		}
	}
	if len(results) != 23 {
		t.Fatalf("%d results", len(results))
	}
	for i, r := range results {
		if r.Event != events[i] {
			t.Errorf("result %d is for %+v", i, r.Event)
		}
		if r.Failed() != (i == 12) {
			t.Errorf("result %d: failed %v (%+v)", i, r.Failed(), r)
		}
	}
	if r := results[12]; r.ErrorCode != "InvalidArgument" || r.ErrorMessage != "bad source" {
		t.Errorf("refused entry: %+v", r)
	}
	if _, err := putevents.Send(context.Background(), &fakeAPI{err: errors.New("no credentials")}, "b", events[:1]); err == nil ||
		!strings.Contains(err.Error(), "no credentials") {
		t.Errorf("a failed call: %v", err)
	}
}

// The examples are the seed's events and our Notification Sent, one for
// each of the seed's rules, by name.
func TestExamples(t *testing.T) {
	want := map[string]putevents.Event{
		"order-created": putevents.SeedEvents[0], "inventory-updated": putevents.SeedEvents[1],
		"notification-sent": putevents.NotificationSent, "workflow-triggered": putevents.SeedEvents[2],
	}
	if names := putevents.ExampleNames(); strings.Join(names, ",") != "order-created,inventory-updated,notification-sent,workflow-triggered" {
		t.Errorf("names %v", names)
	}
	for name, e := range want {
		if got, ok := putevents.FindExample(name); !ok || got != e {
			t.Errorf("%s: %+v", name, got)
		}
	}
	if _, ok := putevents.FindExample("order-shipped"); ok {
		t.Error("an unknown example was found")
	}
	if _, err := putevents.ReadDetail(putevents.NotificationSent.Detail); err != nil {
		t.Errorf("Notification Sent: %v", err)
	}
}

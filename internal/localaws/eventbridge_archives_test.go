package localaws

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
)

func TestArchiveLifecycle(t *testing.T) {
	e := newEnv(t)
	e.srv.SetDelays(Delays{ArchiveCreate: time.Hour})
	must(e.eb.CreateEventBus(ctx(t), &eventbridge.CreateEventBusInput{Name: aws.String("shop")}))(t)
	busArn := "arn:aws:events:us-east-1:123456789012:event-bus/shop"

	created := must(e.eb.CreateArchive(ctx(t), &eventbridge.CreateArchiveInput{ArchiveName: aws.String("shop-archive"),
		EventSourceArn: aws.String(busArn), RetentionDays: aws.Int32(7), EventPattern: aws.String(`{"source":["orders"]}`)}))(t)
	if aws.ToString(created.ArchiveArn) != "arn:aws:events:us-east-1:123456789012:archive/shop-archive" || created.State != ebtypes.ArchiveStateCreating {
		t.Fatalf("CreateArchive = %s %s", aws.ToString(created.ArchiveArn), created.State)
	}
	_, err := e.eb.CreateArchive(ctx(t), &eventbridge.CreateArchiveInput{ArchiveName: aws.String("shop-archive"), EventSourceArn: aws.String(busArn)})
	wantCode(t, err, "ResourceAlreadyExistsException", http.StatusBadRequest)
	_, err = e.eb.CreateArchive(ctx(t), &eventbridge.CreateArchiveInput{ArchiveName: aws.String("x"), EventSourceArn: aws.String(busArn + "-missing")})
	wantCode(t, err, "ResourceNotFoundException", http.StatusBadRequest)
	_, err = e.eb.CreateArchive(ctx(t), &eventbridge.CreateArchiveInput{ArchiveName: aws.String("bad name"), EventSourceArn: aws.String(busArn)})
	wantCode(t, err, "ValidationException", http.StatusBadRequest)
	_, err = e.eb.CreateArchive(ctx(t), &eventbridge.CreateArchiveInput{ArchiveName: aws.String("y"), EventSourceArn: aws.String(busArn),
		EventPattern: aws.String(`{"source":"orders"}`)})
	wantCode(t, err, "InvalidEventPatternException", http.StatusBadRequest)

	// Only the events its pattern matches, put after its creation, are kept.
	must(e.eb.PutEvents(ctx(t), &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{
		{EventBusName: aws.String("shop"), Source: aws.String("orders"), DetailType: aws.String("Order Created"), Detail: aws.String(`{"id":1}`)},
		{EventBusName: aws.String("shop"), Source: aws.String("inventory"), DetailType: aws.String("Restock"), Detail: aws.String(`{"id":2}`)},
	}}))(t)
	d := must(e.eb.DescribeArchive(ctx(t), &eventbridge.DescribeArchiveInput{ArchiveName: aws.String("shop-archive")}))(t)
	if d.EventCount != 1 || aws.ToInt32(d.RetentionDays) != 7 || aws.ToString(d.EventPattern) != `{"source":["orders"]}` ||
		aws.ToString(d.EventSourceArn) != busArn || d.State != ebtypes.ArchiveStateCreating {
		t.Fatalf("DescribeArchive = count %d, retention %d, pattern %s, source %s, %s", d.EventCount, aws.ToInt32(d.RetentionDays),
			aws.ToString(d.EventPattern), aws.ToString(d.EventSourceArn), d.State)
	}
	e.srv.SetDelays(Delays{})
	must(e.eb.UpdateArchive(ctx(t), &eventbridge.UpdateArchiveInput{ArchiveName: aws.String("shop-archive"), RetentionDays: aws.Int32(30)}))(t)
	d = must(e.eb.DescribeArchive(ctx(t), &eventbridge.DescribeArchiveInput{ArchiveName: aws.String("shop-archive")}))(t)
	if aws.ToInt32(d.RetentionDays) != 30 || aws.ToString(d.EventPattern) != `{"source":["orders"]}` || d.State != ebtypes.ArchiveStateEnabled {
		t.Fatalf("after UpdateArchive: retention %d, pattern %s, %s", aws.ToInt32(d.RetentionDays), aws.ToString(d.EventPattern), d.State)
	}
	list := must(e.eb.ListArchives(ctx(t), &eventbridge.ListArchivesInput{EventSourceArn: aws.String(busArn)}))(t)
	if len(list.Archives) != 1 || aws.ToString(list.Archives[0].ArchiveName) != "shop-archive" {
		t.Fatalf("ListArchives = %+v", list.Archives)
	}
	_, err = e.eb.ListArchives(ctx(t), &eventbridge.ListArchivesInput{EventSourceArn: aws.String(busArn), NamePrefix: aws.String("shop")})
	wantCode(t, err, "ValidationException", http.StatusBadRequest)

	must(e.eb.DeleteArchive(ctx(t), &eventbridge.DeleteArchiveInput{ArchiveName: aws.String("shop-archive")}))(t)
	_, err = e.eb.DescribeArchive(ctx(t), &eventbridge.DescribeArchiveInput{ArchiveName: aws.String("shop-archive")})
	wantCode(t, err, "ResourceNotFoundException", http.StatusBadRequest)
	_, err = e.eb.DeleteArchive(ctx(t), &eventbridge.DeleteArchiveInput{ArchiveName: aws.String("shop-archive")})
	wantCode(t, err, "ResourceNotFoundException", http.StatusBadRequest)
}

// A replay walks STARTING, RUNNING, COMPLETED and puts the window's archived
// events on the bus again, to the rules it names, marked with its name.
func TestReplayRedeliversArchivedEventsToTheRules(t *testing.T) {
	e := newEnv(t)
	e.srv.SetDelays(Delays{ReplayStart: 300 * time.Millisecond, ReplayRun: 600 * time.Millisecond})
	must(e.eb.CreateEventBus(ctx(t), &eventbridge.CreateEventBusInput{Name: aws.String("shop")}))(t)
	busArn := "arn:aws:events:us-east-1:123456789012:event-bus/shop"
	ordersRule := e.putRule(t, "shop", "orders-rule", `{"source":["orders"]}`)
	e.putRule(t, "shop", "all-orders-rule", `{"source":["orders","inventory"]}`)
	e.putRule(t, "shop", "fresh-only-rule", `{"source":["orders"],"replay-name":[{"exists":false}]}`)
	archive := must(e.eb.CreateArchive(ctx(t), &eventbridge.CreateArchiveInput{ArchiveName: aws.String("shop-archive"),
		EventSourceArn: aws.String(busArn)}))(t)

	t0 := time.Now().Add(-time.Hour).Truncate(time.Second)
	put := func(source string, at time.Time) {
		must(e.eb.PutEvents(ctx(t), &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{{EventBusName: aws.String("shop"),
			Source: aws.String(source), DetailType: aws.String("D"), Detail: aws.String(`{}`), Time: aws.Time(at)}}}))(t)
	}
	put("orders", t0.Add(10*time.Minute))
	put("inventory", t0.Add(20*time.Minute))
	put("orders", t0.Add(50*time.Minute)) // outside the window
	if got := e.srv.Events()[0].Rules; !slices.Equal(got, []string{"all-orders-rule", "fresh-only-rule", "orders-rule"}) {
		t.Fatalf("rules matched by the first event = %v", got)
	}

	start := eventbridge.StartReplayInput{ReplayName: aws.String("r1"), EventSourceArn: archive.ArchiveArn,
		EventStartTime: aws.Time(t0), EventEndTime: aws.Time(t0.Add(30 * time.Minute)),
		Destination: &ebtypes.ReplayDestination{Arn: aws.String(busArn), FilterArns: []string{ordersRule}}}
	bad := start
	bad.EventEndTime = aws.Time(time.Now().Add(time.Hour))
	_, err := e.eb.StartReplay(ctx(t), &bad)
	wantCode(t, err, "ValidationException", http.StatusBadRequest)
	bad = start
	bad.EventStartTime, bad.EventEndTime = start.EventEndTime, start.EventStartTime
	_, err = e.eb.StartReplay(ctx(t), &bad)
	wantCode(t, err, "ValidationException", http.StatusBadRequest)
	bad = start
	bad.Destination = &ebtypes.ReplayDestination{Arn: aws.String("arn:aws:events:us-east-1:123456789012:event-bus/default")}
	_, err = e.eb.StartReplay(ctx(t), &bad)
	wantCode(t, err, "ValidationException", http.StatusBadRequest)

	out := must(e.eb.StartReplay(ctx(t), &start))(t)
	if out.State != ebtypes.ReplayStateStarting {
		t.Fatalf("StartReplay state = %s", out.State)
	}
	_, err = e.eb.StartReplay(ctx(t), &start)
	wantCode(t, err, "ResourceAlreadyExistsException", http.StatusBadRequest)

	seen := map[ebtypes.ReplayState]bool{}
	deadline := time.Now().Add(5 * time.Second)
	var d *eventbridge.DescribeReplayOutput
	for time.Now().Before(deadline) {
		d = must(e.eb.DescribeReplay(ctx(t), &eventbridge.DescribeReplayInput{ReplayName: aws.String("r1")}))(t)
		seen[d.State] = true
		if d.State == ebtypes.ReplayStateCompleted {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !seen[ebtypes.ReplayStateStarting] || !seen[ebtypes.ReplayStateRunning] || !seen[ebtypes.ReplayStateCompleted] {
		t.Fatalf("states seen: %v", seen)
	}
	if !aws.ToTime(d.EventLastReplayedTime).Equal(t0.Add(30*time.Minute)) || d.ReplayEndTime == nil {
		t.Fatalf("completed replay: last replayed %v, ended %v", d.EventLastReplayedTime, d.ReplayEndTime)
	}

	var replayed []Event
	for _, ev := range e.srv.Events() {
		if ev.ReplayName == "r1" {
			replayed = append(replayed, ev)
		}
	}
	// Both events of the window, in time order, with their own time; only
	// the rule named gets them.
	if len(replayed) != 2 || replayed[0].Source != "orders" || replayed[1].Source != "inventory" ||
		!replayed[0].Time.Equal(t0.Add(10*time.Minute)) {
		t.Fatalf("replayed events = %+v", replayed)
	}
	if !slices.Equal(replayed[0].Rules, []string{"orders-rule"}) || len(replayed[1].Rules) != 0 {
		t.Fatalf("replayed to rules %v and %v, want [orders-rule] and none", replayed[0].Rules, replayed[1].Rules)
	}
	if a, _ := e.srv.Archive("shop-archive"); len(a.Events) != 3 {
		t.Fatalf("the archive holds %d events; replayed events are not archived again", len(a.Events))
	}
	_, err = e.eb.CancelReplay(ctx(t), &eventbridge.CancelReplayInput{ReplayName: aws.String("r1")})
	wantCode(t, err, "IllegalStatusException", http.StatusBadRequest)

	// Without filter ARNs every rule gets them, and a rule can tell a replay.
	start.ReplayName, start.Destination.FilterArns = aws.String("r2"), nil
	must(e.eb.StartReplay(ctx(t), &start))(t)
	e.srv.SetDelays(Delays{})
	replays := must(e.eb.ListReplays(ctx(t), &eventbridge.ListReplaysInput{NamePrefix: aws.String("r2")}))(t)
	if len(replays.Replays) != 1 || replays.Replays[0].State != ebtypes.ReplayStateCompleted {
		t.Fatalf("ListReplays = %+v", replays.Replays)
	}
	last := e.srv.Events()[len(e.srv.Events())-2]
	if last.ReplayName != "r2" || !slices.Equal(last.Rules, []string{"all-orders-rule", "orders-rule"}) {
		t.Fatalf("replayed without filter: %s to %v", last.ReplayName, last.Rules)
	}
}

func TestReplayCancelledAndFailed(t *testing.T) {
	e := newEnv(t)
	e.srv.SetDelays(Delays{ReplayStart: time.Hour})
	must(e.eb.CreateEventBus(ctx(t), &eventbridge.CreateEventBusInput{Name: aws.String("shop")}))(t)
	busArn := "arn:aws:events:us-east-1:123456789012:event-bus/shop"
	archive := must(e.eb.CreateArchive(ctx(t), &eventbridge.CreateArchiveInput{ArchiveName: aws.String("a"), EventSourceArn: aws.String(busArn)}))(t)
	in := func(name string) *eventbridge.StartReplayInput {
		return &eventbridge.StartReplayInput{ReplayName: aws.String(name), EventSourceArn: archive.ArchiveArn,
			EventStartTime: aws.Time(time.Now().Add(-time.Hour)), EventEndTime: aws.Time(time.Now().Add(-time.Minute)),
			Destination: &ebtypes.ReplayDestination{Arn: aws.String(busArn)}}
	}
	must(e.eb.StartReplay(ctx(t), in("cancelled")))(t)
	c := must(e.eb.CancelReplay(ctx(t), &eventbridge.CancelReplayInput{ReplayName: aws.String("cancelled")}))(t)
	if c.State != ebtypes.ReplayStateCancelling {
		t.Fatalf("CancelReplay state = %s", c.State)
	}
	must(e.eb.StartReplay(ctx(t), in("failed")))(t)
	if !e.srv.FailReplay("failed", "injected") {
		t.Fatal("FailReplay found nothing to fail")
	}
	must(e.eb.StartReplay(ctx(t), in("orphaned")))(t)
	must(e.eb.DeleteArchive(ctx(t), &eventbridge.DeleteArchiveInput{ArchiveName: aws.String("a")}))(t)
	want := map[string]string{"cancelled": "CANCELLED", "failed": "FAILED", "orphaned": "FAILED"}
	for _, r := range e.srv.Replays() {
		if r.State != want[r.Name] {
			t.Errorf("replay %s is %s (%s), want %s", r.Name, r.State, r.StateReason, want[r.Name])
		}
	}
	_, err := e.eb.DescribeReplay(ctx(t), &eventbridge.DescribeReplayInput{ReplayName: aws.String("none")})
	wantCode(t, err, "ResourceNotFoundException", http.StatusBadRequest)
}

package routing

import (
	"context"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"k8s.io/utils/ptr"

	"github.com/eventstack-io/eventstack-operator/internal/awsapi"
	"github.com/eventstack-io/eventstack-operator/internal/outcome"
	"github.com/eventstack-io/eventstack-operator/internal/render"
)

// KindArchive is the inventory kind and status-line kind of the bus's archive.
const KindArchive = "Archive"

// everyEvent is the pattern an archive is given when its spec drops its
// pattern: UpdateArchive cannot remove one, and deleting the archive to make
// it anew would lose the events it holds. Every event has a source.
const everyEvent = `{"source":[{"prefix":""}]}`

// Archive is what exists of an archive in AWS.
type Archive struct {
	Name, ARN string
	Exists    bool
	// State is ENABLED, CREATING, ...; Pattern "" for every event;
	// RetentionDays 0 for indefinitely.
	State         string
	Pattern       string
	RetentionDays int32
}

// ObserveArchive reads an archive; one that does not exist is returned with
// Exists false.
func ObserveArchive(ctx context.Context, eb awsapi.EventBridge, name string) (*Archive, error) {
	out, err := eb.DescribeArchive(ctx, &eventbridge.DescribeArchiveInput{ArchiveName: &name})
	if awsapi.IsNotFound(err) {
		return &Archive{Name: name}, nil
	}
	if err != nil {
		return nil, awsapi.Classify("events:DescribeArchive", err)
	}
	return &Archive{Name: name, ARN: ptr.Deref(out.ArchiveArn, ""), Exists: true, State: string(out.State),
		Pattern: ptr.Deref(out.EventPattern, ""), RetentionDays: ptr.Deref(out.RetentionDays, 0)}, nil
}

// sameArchive says whether an existing archive keeps what want asks for.
func sameArchive(have *Archive, want *render.Archive) bool {
	pattern := want.EventPattern
	if pattern == "" && have.Pattern != "" {
		pattern = everyEvent
	}
	return have.RetentionDays == want.RetentionDays && (have.Pattern == pattern || samePattern(have.Pattern, pattern))
}

// EnsureArchive creates the bus's archive when it does not exist, and
// updates its retention and pattern when they differ (changed out of band, or
// in the spec); bus.Archive is read when it was not, and kept true.
func EnsureArchive(ctx context.Context, eb awsapi.EventBridge, bus *Bus, want *render.Archive) error {
	if bus.Archive == nil || bus.Archive.Name != want.Name {
		have, err := ObserveArchive(ctx, eb, want.Name)
		if err != nil {
			return err
		}
		bus.Archive = have
	}
	have := bus.Archive
	switch {
	case !have.Exists:
		in := &eventbridge.CreateArchiveInput{ArchiveName: &want.Name, EventSourceArn: &bus.ARN,
			RetentionDays: ptr.To(want.RetentionDays), Description: ptr.To("Archive of the event bus " + bus.Name)}
		if want.EventPattern != "" {
			in.EventPattern = ptr.To(want.EventPattern)
		}
		out, err := eb.CreateArchive(ctx, in)
		if awsapi.IsConflict(err) { // created meanwhile (a retry after a lost answer): repair it next
			bus.Archive = nil
			return EnsureArchive(ctx, eb, bus, want)
		}
		if err != nil {
			return awsapi.Classify("events:CreateArchive", err)
		}
		*have = Archive{Name: want.Name, ARN: ptr.Deref(out.ArchiveArn, ""), Exists: true, State: string(out.State),
			Pattern: want.EventPattern, RetentionDays: want.RetentionDays}
	case !sameArchive(have, want):
		pattern := want.EventPattern
		if pattern == "" && have.Pattern != "" {
			pattern = everyEvent
		}
		in := &eventbridge.UpdateArchiveInput{ArchiveName: &want.Name, RetentionDays: ptr.To(want.RetentionDays)}
		if pattern != "" {
			in.EventPattern = &pattern
		}
		out, err := eb.UpdateArchive(ctx, in)
		if err != nil {
			return awsapi.Classify("events:UpdateArchive", err)
		}
		have.RetentionDays, have.Pattern = want.RetentionDays, pattern
		if out.State != "" {
			have.State = string(out.State)
		}
	}
	return nil
}

// DeleteArchive deletes an archive (with the events it holds); not found is
// done.
func DeleteArchive(ctx context.Context, eb awsapi.EventBridge, name string) error {
	_, err := eb.DeleteArchive(ctx, &eventbridge.DeleteArchiveInput{ArchiveName: &name})
	if err != nil && !awsapi.IsNotFound(err) {
		return awsapi.Classify("events:DeleteArchive", err)
	}
	return nil
}

// ensureArchive is EnsureArchive for Ensure: the archive recorded in the
// inventory before it is created, taken off when AWS refused to create it,
// and its line; nil when the spec asks for no archive.
func ensureArchive(ctx context.Context, eb awsapi.EventBridge, bus *Bus, in Input) *Line {
	want := render.BuildArchive(in.Stack)
	if want == nil {
		return nil
	}
	line := &Line{Kind: KindArchive, Name: want.Name, Component: "archive/" + in.Stack.Spec.EventBus.Name}
	// Read when not known, and while CREATING (reads only, for the seconds
	// EventBridge takes), so that the status says when it is ENABLED.
	if a := bus.Archive; a == nil || a.Name != want.Name || a.State == string(ebtypes.ArchiveStateCreating) {
		have, err := ObserveArchive(ctx, eb, want.Name)
		if err != nil {
			line.Err = err
			return line
		}
		bus.Archive = have
	}
	existed := bus.Archive.Exists
	if !existed {
		if err := in.Inventory.Intend(ctx, KindArchive, want.Name); err != nil {
			line.Err = err
			return line
		}
	}
	if err := EnsureArchive(ctx, eb, bus, want); err != nil {
		if _, refused := outcome.IsTerminal(err); refused && !existed && (bus.Archive == nil || !bus.Archive.Exists) {
			in.Inventory.Forget(KindArchive, want.Name) // nothing was created
		}
		bus.Archive = nil // uncertain: read again next time
		line.Err = err
		return line
	}
	in.Inventory.Record(KindArchive, want.Name, bus.Archive.ARN)
	line.ARN = bus.Archive.ARN
	return line
}

// ArchiveMessage is a ready archive's status message: its retention and
// state.
func ArchiveMessage(a *Archive) string {
	if a == nil {
		return ""
	}
	keeps := "keeps events indefinitely"
	if a.RetentionDays > 0 {
		keeps = "keeps events " + strconv.Itoa(int(a.RetentionDays)) + " days"
	}
	if a.Pattern != "" && a.Pattern != everyEvent {
		keeps += " that match its pattern"
	}
	return keeps + " (" + a.State + ")"
}

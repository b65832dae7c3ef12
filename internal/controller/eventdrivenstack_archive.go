package controller

import (
	"context"
	"strings"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/awsapi"
	"github.com/eventstack-io/eventstack-operator/internal/outcome"
	"github.com/eventstack-io/eventstack-operator/internal/render"
	"github.com/eventstack-io/eventstack-operator/internal/routing"
)

// kindArchive is the inventory kind of the bus's EventBridge archive, which
// routing.Ensure creates and repairs with the bus.
const kindArchive = routing.KindArchive

// reconcileRemovedArchives deletes the archives the inventory lists that the
// spec no longer asks for (taken out of spec.eventBus, or the bus removed),
// with the events they hold, and takes each off the inventory once it is
// gone; one that cannot be deleted yet keeps a status line.
func (r *EventDrivenStackReconciler) reconcileRemovedArchives(ctx context.Context, s *scope) error {
	want := ""
	if a := render.BuildArchive(s.stack); a != nil {
		want = a.Name
	}
	for _, old := range inventory(s.stack, kindArchive) {
		if old.Name == want {
			continue
		}
		clients, err := r.clients(ctx, s)
		if err == nil {
			err = routing.DeleteArchive(ctx, clients.EventBridge, old.Name)
		}
		if err != nil {
			s.routingStatus = append(s.routingStatus, v1alpha1.ChildStatus{Kind: kindArchive, Name: old.Name, ARN: old.ARN,
				Component: "archive/" + strings.TrimSuffix(strings.TrimPrefix(old.Name, s.stack.Spec.NamePrefix), "-archive"),
				State:     outcome.ChildState(err), Message: "being deleted (no longer in the spec): " + awsapi.Brief(err)})
			return err
		}
		forgetInventory(s.stack, kindArchive, old.Name)
		if s.bus != nil && s.bus.Archive != nil && s.bus.Archive.Name == old.Name {
			s.bus.Archive = nil
		}
	}
	return nil
}

// deleteArchives deletes every archive the inventory lists, for a stack being
// deleted (before its bus), and takes each off the inventory once it is gone.
func (r *EventDrivenStackReconciler) deleteArchives(ctx context.Context, s *scope) error {
	archives, clients, err := r.inventoryToDelete(ctx, s, kindArchive)
	if err != nil || len(archives) == 0 {
		return err
	}
	for _, a := range archives {
		if err := routing.DeleteArchive(ctx, clients.EventBridge, a.Name); err != nil {
			return &deletingError{kind: kindArchive, name: a.Name, err: err}
		}
		forgetInventory(s.stack, kindArchive, a.Name)
	}
	return nil
}

// archiveLine is the archive's status line: routing.Ensure's, with where the
// archive stands once it is in line with the spec.
func archiveLine(s *scope, l routing.Line) v1alpha1.ChildStatus {
	var a *routing.Archive
	if s.bus != nil {
		a = s.bus.Archive
	}
	return statusLine(l, routing.ArchiveMessage(a))
}

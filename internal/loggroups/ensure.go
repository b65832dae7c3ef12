package loggroups

import (
	"context"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/awsapi"
	"github.com/eventstack-io/eventstack-operator/internal/outcome"
)

// Kind is the inventory kind, and the status-line kind, of a log group.
const Kind = "LogGroup"

// Inventory is where the operator records what it creates in AWS (the
// stack's status): Intend durably before the call that creates, Record once
// it exists, Forget once it is gone or AWS refused to create it.
type Inventory interface {
	Intend(ctx context.Context, kind, name string) error
	Record(kind, name, arn string)
	Forget(kind, name string)
}

// Memo is what the operator remembers of the log groups it read or made: the
// operator is their only writer, so what it knew within a resync interval
// still holds, and an unchanged stack costs no call. Known returns a group
// only while it is to be trusted.
type Memo interface {
	Known(name string) (LogGroup, bool)
	Remember(LogGroup)
	Forget(name string)
}

// Want is a log group a workflow logs to.
type Want struct {
	// Component is the workflow's log group's component, logGroup/<workflow>.
	Component     string
	Name          string
	RetentionDays int32
}

// Line is where one log group stands after Ensure: made and kept (ARN,
// RetentionDays), or failed (Err); Stale for a group no workflow logs to any
// more whose delete failed.
type Line struct {
	Component, Name, ARN string
	RetentionDays        int32
	Stale                bool
	Err                  error
}

// Outcome is a line per wanted log group, in the order wanted, then one per
// stale group not deleted, and the error to return: a transient one if any,
// else the first terminal one.
type Outcome struct {
	Lines []Line
	Err   error
}

// Ensure makes each wanted log group (recorded in the inventory before it is
// created) with its retention, and deletes the stale ones (the inventory's,
// that no workflow logs to any more), taking each off the inventory once it is
// gone. Every group has its turn whatever another's fails with.
func Ensure(ctx context.Context, logs awsapi.Logs, wanted []Want, stale []v1alpha1.AWSResource, tags map[string]string,
	inv Inventory, memo Memo) Outcome {
	var out Outcome
	var errs []error
	for _, w := range wanted {
		lg, err := ensureOne(ctx, logs, w, tags, inv, memo)
		out.Lines = append(out.Lines, Line{Component: w.Component, Name: w.Name, ARN: lg.ARN, RetentionDays: lg.RetentionDays, Err: err})
		errs = append(errs, err)
	}
	for _, e := range stale {
		if err := Delete(ctx, logs, e.Name); err != nil {
			out.Lines = append(out.Lines, Line{Name: e.Name, ARN: e.ARN, Stale: true, Err: err})
			errs = append(errs, err)
			continue
		}
		inv.Forget(Kind, e.Name)
		memo.Forget(e.Name)
	}
	out.Err = outcome.First(errs)
	return out
}

// ensureOne returns a log group as it is once made with its retention: as
// remembered, else read from CloudWatch Logs, and made or changed where it
// differs.
func ensureOne(ctx context.Context, logs awsapi.Logs, w Want, tags map[string]string, inv Inventory, memo Memo) (LogGroup, error) {
	if lg, ok := memo.Known(w.Name); ok && lg.RetentionDays == w.RetentionDays {
		return lg, nil
	}
	have, err := Describe(ctx, logs, w.Name)
	if err != nil {
		memo.Forget(w.Name)
		return have, err
	}
	if !have.Exists {
		if err := inv.Intend(ctx, Kind, w.Name); err != nil {
			return have, err
		}
	}
	lg, err := ensureGroup(ctx, logs, have, w.RetentionDays, tags)
	if err != nil {
		if _, refused := outcome.IsTerminal(err); refused && !have.Exists {
			inv.Forget(Kind, w.Name) // nothing was created
		}
		memo.Forget(w.Name)
		return lg, err
	}
	inv.Record(Kind, w.Name, lg.ARN)
	memo.Remember(lg)
	return lg, nil
}

// DeleteAll deletes the given log groups (a stack being deleted: its
// inventory's), taking each off the inventory once it is gone; it stops at
// the first that cannot be deleted and returns its name.
func DeleteAll(ctx context.Context, logs awsapi.Logs, groups []v1alpha1.AWSResource, inv Inventory) (string, error) {
	for _, g := range groups {
		if err := Delete(ctx, logs, g.Name); err != nil {
			return g.Name, err
		}
		inv.Forget(Kind, g.Name)
	}
	return "", nil
}

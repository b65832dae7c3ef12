package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/eventstack-io/eventstack-operator/internal/dynalite"
	"github.com/eventstack-io/eventstack-operator/internal/lambdarun"
	"github.com/eventstack-io/eventstack-operator/internal/localaws"
	"github.com/eventstack-io/eventstack-operator/internal/localcluster"
)

// simulateWork makes the simulated AWS do the stack's work, not only hold
// its resources: functions run the real handlers of lambdas/cmd (built for
// this machine, run under the Lambda Runtime Interface Emulator, their SDK
// clients pointed at the simulated AWS), and DynamoDB keeps items in
// dynalite. It returns what to stop, and what the banner says of it. Without
// dynalite (no node_modules) the stack still comes up; its tables hold no
// items, and the banner says how to fix that.
func simulateWork(ctx context.Context, sim *localaws.Server) (stop func(), notice string) {
	root := localcluster.RepoRoot()
	handlers := lambdarun.NewHandlers(root)
	sim.SetCodeSource(handlers.Source)
	go func() {
		if err := handlers.Prebuild(ctx); err != nil && ctx.Err() == nil {
			fmt.Fprintln(os.Stderr, "run-local: building the handlers of lambdas/cmd:", err)
		}
	}()
	rt := &lambdarun.Runtime{AWSEndpoint: sim.URL(), Region: sim.Region}
	sim.SetFunctionRuntime(rt)
	go func() {
		// The emulator is built once per machine (about 15 s the first time).
		if err := rt.Prepare(ctx); err != nil && ctx.Err() == nil {
			fmt.Fprintln(os.Stderr, "run-local: building the Lambda Runtime Interface Emulator:", err)
		}
	}()
	notice = "Functions run the handlers of lambdas/cmd under the Lambda Runtime Interface Emulator, scheduled rules run on their schedules"
	schedules, stopSchedules := context.WithCancel(ctx)
	go sim.RunSchedulesEvery(schedules, 10*time.Second)
	db, err := dynalite.Start(ctx, root)
	if err != nil {
		fmt.Fprintln(os.Stderr, "run-local: DynamoDB items are not simulated:", err)
		notice += "; DynamoDB items are NOT simulated (" + err.Error() + ")"
		return func() { stopSchedules(); _ = rt.Close() }, notice
	}
	sim.SetDynamoDBDataPlane(db.Endpoint())
	notice += ", DynamoDB items live in dynalite"
	return func() {
		stopSchedules()
		_ = rt.Close()
		db.Close()
	}, notice
}

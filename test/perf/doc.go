// Package perf holds the operator's and the Lambda handlers' benchmarks: how
// the operator's cost grows with its work, against the same real API server
// (envtest, with the real ACK CRDs) and the same fake EventBridge and Lambda
// that the integration tests use, and what one handler instance does against
// dynalite. The results and the commands that reproduce them are in
// docs/performance.md.
//
// Run them with
//
//	make bench
//
// or, for one benchmark,
//
//	go test ./test/perf -run '^$' -bench 'Throughput' -benchtime 1x -timeout 60m
//
// The ACK player (harness_test.go) reports each child as one reconcile of the
// real ACK controller does (localack.PlayOnce). The throughput, calls and
// memory benchmarks report every child at once; BenchmarkTimeToReady reports
// each on its own timer, after a per-kind latency (ackLatency: Table 10 s,
// Role ARN 1 s then synced 2 s later, Function 5 s, EventSourceMapping 5 s,
// Queue, Topic, Subscription, StateMachine 1 s), as AWS-backed controllers do.
//
// Every benchmark measures one run (-benchtime 1x): each step is many
// thousands of requests, so one run is already an average. The settings are
// environment variables, read once (see settings in harness_test.go):
//
//	PERF_STACKS=1,10,100,500     stacks per BenchmarkThroughput run
//	PERF_MEM_STACKS=100,1000     stacks per BenchmarkManagerMemory run
//	PERF_MCR=4                   the operator's MaxConcurrentReconciles
//	PERF_RAW_WORKERS=16          concurrent writers of the raw client
//	PERF_PHASE_TIMEOUT=15m       bound of each wait
//	PERF_MANAGER_FLAGS=...       extra flags of the manager binary (memory)
//	PERF_MANAGER_ENV=...         extra environment of the manager (GOMEMLIMIT=200MiB)
//	PERF_MANAGER_PROFILE=dir     the manager's heap profile, once settled, into dir
//	PERF_READY_STACKS=1,100      stacks per BenchmarkTimeToReady run
//	PERF_ACK_LATENCY_SCALE=1     BenchmarkTimeToReady's ACK latencies times this (0.1: ten times faster)
//	PERF_VERBOSE=1               the operator's logs on stderr
package perf

// Package alarmwatch follows the state of every stack's CloudWatch alarms,
// account by account, and wakes a stack when one of its alarms changes
// state. A stack's reconcile registers its alarms (Watch) and reads their
// last known states (States) without calling AWS; an idle stack costs no
// reconcile and no AWS call of its own.
//
// What it costs in AWS: each Interval, per account and region, one
// DescribeAlarms filtered on StateValue=ALARM (one page per hundred alarms in
// ALARM, whoever's), plus one DescribeAlarms by name per hundred alarms that
// left ALARM or were never read; each FullEvery, every watched alarm by name
// (one call per hundred), which also catches OK ↔ INSUFFICIENT_DATA and new
// reasons. At 1,000 seed stacks (19,000 alarms) in one account that is one
// call per interval and 190 per full round, against CloudWatch's default
// DescribeAlarms quota of 9 per second.
package alarmwatch

import (
	"context"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/eventstack-io/eventstack-operator/internal/awsapi"
	"github.com/eventstack-io/eventstack-operator/internal/multimap"
	"github.com/eventstack-io/eventstack-operator/internal/probe"
)

// Account is where alarms are: a region, and the role the operator assumes
// there ("" for its own credentials).
type Account struct{ Region, RoleARN string }

// Watcher follows the alarms of the stacks that registered them.
type Watcher struct {
	// Interval is how often the alarms in ALARM are read (the status
	// interval: a state reaches the status within it).
	Interval time.Duration
	// FullEvery is how often every watched alarm is read by name.
	FullEvery time.Duration
	// Wake is called, outside the lock, for each stack one of whose alarms
	// changed state.
	Wake func(context.Context, types.NamespacedName)

	mu       sync.Mutex
	accounts map[Account]*account
	stacks   map[types.NamespacedName]registered
}

// registered is what a stack watches: its account and its alarms' names.
type registered struct {
	acct  Account
	names []string
}

// account is what is known of one account's watched alarms: for 19,000
// alarms at 1,000 stacks, a name and a stack per alarm, and its last state.
type account struct {
	api awsapi.Alarms
	// owners: alarm name → the stacks that watch it (one, unless two stacks
	// name the same alarm, which tenancy's strict mode refuses).
	owners multimap.Map[string, types.NamespacedName]
	// states: alarm name → last state read; absent until read.
	states   map[string]probe.AlarmState
	lastFull time.Time
}

// Watch registers the alarms of a stack (replacing those it registered
// before) in an account, with the client to read them. Registering the same
// names again (every reconcile does) changes nothing.
func (w *Watcher) Watch(stack types.NamespacedName, acct Account, api awsapi.Alarms, names []string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.accounts == nil {
		w.accounts, w.stacks = map[Account]*account{}, map[types.NamespacedName]registered{}
	}
	if len(names) == 0 {
		w.dropLocked(stack) // an account no stack has alarms in is not read
		return
	}
	was, ok := w.stacks[stack]
	if ok && was.acct != acct {
		w.dropLocked(stack)
		was = registered{}
	}
	a := w.accounts[acct]
	if a == nil {
		a = &account{states: map[string]probe.AlarmState{}}
		w.accounts[acct] = a
	}
	a.api = api
	if ok && slices.Equal(was.names, names) {
		return
	}
	for _, n := range was.names {
		if !slices.Contains(names, n) {
			a.disown(n, stack)
		}
	}
	for _, n := range names {
		a.owners.Add(n, stack)
	}
	w.stacks[stack] = registered{acct: acct, names: slices.Clone(names)}
}

// Forget drops a stack's alarms (the stack is gone).
func (w *Watcher) Forget(stack types.NamespacedName) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.dropLocked(stack)
}

func (w *Watcher) dropLocked(stack types.NamespacedName) {
	reg, ok := w.stacks[stack]
	if !ok {
		return
	}
	delete(w.stacks, stack)
	a := w.accounts[reg.acct]
	for _, n := range reg.names {
		a.disown(n, stack)
	}
	if a.owners.Len() == 0 {
		delete(w.accounts, reg.acct)
	}
}

// disown drops a stack from an alarm's owners, and the alarm with its last.
func (a *account) disown(name string, stack types.NamespacedName) {
	if a.owners.Remove(name, stack) {
		delete(a.states, name)
	}
}

// States returns the last states read of the named alarms of a stack's
// account; an alarm not read yet is absent.
func (w *Watcher) States(acct Account, names []string) map[string]probe.AlarmState {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make(map[string]probe.AlarmState, len(names))
	a := w.accounts[acct]
	if a == nil {
		return out
	}
	for _, n := range names {
		if st, ok := a.states[n]; ok {
			out[n] = st
		}
	}
	return out
}

// NeedLeaderElection: like the controller, only the leader reads and wakes.
func (w *Watcher) NeedLeaderElection() bool { return true }

// Start polls every Interval until ctx ends (a manager.Runnable).
func (w *Watcher) Start(ctx context.Context) error {
	t := time.NewTicker(w.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			w.Poll(ctx, time.Now())
		}
	}
}

// Poll reads each account once and wakes the stacks whose alarms changed.
func (w *Watcher) Poll(ctx context.Context, now time.Time) {
	w.mu.Lock()
	accts := make([]Account, 0, len(w.accounts))
	for acct := range w.accounts {
		accts = append(accts, acct)
	}
	w.mu.Unlock()
	sort.Slice(accts, func(i, j int) bool { return accts[i].Region+accts[i].RoleARN < accts[j].Region+accts[j].RoleARN })
	woken := map[types.NamespacedName]bool{}
	for _, acct := range accts {
		changed, err := w.pollAccount(ctx, acct, now)
		if err != nil {
			log.FromContext(ctx).Info("alarm states not read; the last ones stay", "region", acct.Region, "role", acct.RoleARN, "error", err.Error())
		}
		for _, s := range changed {
			woken[s] = true
		}
	}
	if w.Wake == nil {
		return
	}
	for s := range woken {
		w.Wake(ctx, s)
	}
}

// pollAccount reads one account: every watched alarm by name when a full
// round is due, else the alarms in ALARM and, by name, those that left it or
// were never read. It returns the stacks whose alarms changed.
func (w *Watcher) pollAccount(ctx context.Context, acct Account, now time.Time) ([]types.NamespacedName, error) {
	w.mu.Lock()
	a := w.accounts[acct]
	if a == nil {
		w.mu.Unlock()
		return nil, nil
	}
	api := a.api
	full := now.Sub(a.lastFull) >= w.FullEvery
	var byName []string
	for n := range a.owners.Keys {
		if _, read := a.states[n]; full || !read {
			byName = append(byName, n)
		}
	}
	w.mu.Unlock()

	read := map[string]probe.AlarmState{}
	if !full {
		firing, err := inAlarm(ctx, api)
		if err != nil {
			return nil, err
		}
		w.mu.Lock()
		for n, st := range a.states {
			if _, still := firing[n]; st.State == "ALARM" && !still {
				byName = append(byName, n) // left ALARM: for what?
			}
		}
		for n, st := range firing {
			if a.owners.Has(n) {
				read[n] = st
			}
		}
		w.mu.Unlock()
	}
	if len(byName) > 0 {
		sort.Strings(byName)
		states, err := probe.Alarms(ctx, api, byName)
		if err != nil {
			return nil, err
		}
		for n, st := range states {
			read[n] = st
		}
	}
	return w.record(acct, read, full, now), nil
}

// record stores what was read and returns the stacks whose alarms changed.
func (w *Watcher) record(acct Account, read map[string]probe.AlarmState, full bool, now time.Time) []types.NamespacedName {
	w.mu.Lock()
	defer w.mu.Unlock()
	a := w.accounts[acct]
	if a == nil {
		return nil
	}
	if full {
		a.lastFull = now
	}
	var changed []types.NamespacedName
	for n, st := range read {
		owners := a.owners.Get(n)
		if owners == nil {
			continue
		}
		// A state's reason is rewritten at each evaluation (its datapoints):
		// only a new state, or a new time of entering it, wakes the stack.
		was, ok := a.states[n]
		if !ok || was.State != st.State || !sameTime(was.Since, st.Since) {
			changed = append(changed, owners...)
		}
		if !ok || was.Reason != st.Reason || was.State != st.State || !sameTime(was.Since, st.Since) {
			st.State = stateValue(st.State)
			a.states[n] = st
		} // else the strings held already

	}
	return changed
}

// inAlarm lists the account's metric alarms in ALARM.
func inAlarm(ctx context.Context, api awsapi.Alarms) (map[string]probe.AlarmState, error) {
	out := map[string]probe.AlarmState{}
	in := &cloudwatch.DescribeAlarmsInput{StateValue: cwtypes.StateValueAlarm, AlarmTypes: []cwtypes.AlarmType{cwtypes.AlarmTypeMetricAlarm},
		MaxRecords: ptr.To[int32](100)}
	for range 1000 { // 100,000 alarms in ALARM: more than an account holds
		page, err := api.DescribeAlarms(ctx, in)
		if err != nil {
			return nil, awsapi.Classify("cloudwatch:DescribeAlarms", err)
		}
		for _, m := range page.MetricAlarms {
			out[ptr.Deref(m.AlarmName, "")] = probe.AlarmState{State: string(m.StateValue), Reason: ptr.Deref(m.StateReason, ""), Since: m.StateUpdatedTimestamp}
		}
		if page.NextToken == nil {
			break
		}
		in.NextToken = page.NextToken
	}
	return out, nil
}

// stateValue is CloudWatch's state, one of its three values held once.
func stateValue(s string) string {
	for _, v := range cwtypes.StateValue("").Values() {
		if string(v) == s {
			return string(v)
		}
	}
	return s
}

func sameTime(a, b *time.Time) bool {
	return (a == nil) == (b == nil) && (a == nil || a.Equal(*b))
}

package v1alpha1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// RolloutStrategy is how a function's new version takes its traffic.
// +kubebuilder:validation:Enum=AllAtOnce;Canary;Linear
type RolloutStrategy string

const (
	// RolloutAllAtOnce moves all traffic to the new version at once (after
	// its pre-traffic check), as CodeDeploy's AllAtOnce.
	RolloutAllAtOnce RolloutStrategy = "AllAtOnce"
	// RolloutCanary gives the new version percent of the traffic for one
	// interval, then all of it (Canary10Percent5Minutes: percent 10,
	// interval 5m).
	RolloutCanary RolloutStrategy = "Canary"
	// RolloutLinear adds percent of the traffic every interval until the new
	// version has all of it (Linear10PercentEvery1Minute: percent 10,
	// interval 1m).
	RolloutLinear RolloutStrategy = "Linear"
)

// FunctionRollout is how a new version of a function's code or configuration
// is rolled out: a Lambda version is published for each change, and the
// function's live alias, which every event source, rule target, workflow
// state and permission of the stack calls, shifts its weights to it step by
// step, watching alarms; an alarm in ALARM, or a failed check, rolls the
// alias back to the version that was live.
// +kubebuilder:validation:XValidation:rule="self.strategy == 'AllAtOnce' || (has(self.percent) && has(self.interval))",message="Canary and Linear need percent and interval"
// +kubebuilder:validation:XValidation:rule="self.strategy != 'AllAtOnce' || (!has(self.percent) && !has(self.interval))",message="AllAtOnce takes no percent nor interval"
type FunctionRollout struct {
	// Strategy is AllAtOnce, Canary or Linear.
	Strategy RolloutStrategy `json:"strategy"`

	// Percent of the traffic the new version gets at the first step (Canary),
	// or gains at each step (Linear).
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=99
	// +optional
	Percent int32 `json:"percent,omitempty"`

	// Interval each step lasts, at least one minute (the alarms' period) and
	// at most a day: 5m, 1h.
	// +optional
	Interval *metav1.Duration `json:"interval,omitempty"`

	// Alarms that roll the new version back when they go to ALARM during the
	// rollout, besides the stack's default alarms on this function (its
	// errors and throttles, unless spec.alarms disables them): names of
	// spec.alarms.custom.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=10
	Alarms []string `json:"alarms,omitempty"`

	// PreTraffic is a function of the stack invoked (synchronously) with the
	// new version's ARN before the version takes any traffic; an error rolls
	// the version back.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	PreTraffic string `json:"preTraffic,omitempty"`

	// PostTraffic is a function of the stack invoked with the new version's
	// ARN once it takes all the traffic, before it is promoted; an error rolls
	// it back.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	PostTraffic string `json:"postTraffic,omitempty"`

	// KeepVersions is how many versions before the live one are kept (for
	// kubectl eds rollout undo); older ones are deleted. Default 3.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=50
	// +optional
	KeepVersions *int32 `json:"keepVersions,omitempty"`
}

// RolloutPhase is where a function's rollout stands.
// +kubebuilder:validation:Enum=Checking;Shifting;Verifying;Promoted;RolledBack
type RolloutPhase string

const (
	// RolloutChecking: the pre-traffic check of the new version runs.
	RolloutChecking RolloutPhase = "Checking"
	// RolloutShifting: the new version takes part of the traffic, step by step.
	RolloutShifting RolloutPhase = "Shifting"
	// RolloutVerifying: the new version takes all the traffic and the
	// post-traffic check runs.
	RolloutVerifying RolloutPhase = "Verifying"
	// RolloutPromoted: the new version is live; nothing runs.
	RolloutPromoted RolloutPhase = "Promoted"
	// RolloutRolledBack: an alarm, a failed check or an abort sent all the
	// traffic back to the version that was live; the spec still names the
	// failed code until it changes.
	RolloutRolledBack RolloutPhase = "RolledBack"
)

// RolloutStatus is where one function's rollout stands: enough to carry on
// after an operator restart (every timer is recomputed from these times).
type RolloutStatus struct {
	// Function is the function's name in the spec.
	Function string `json:"function"`
	// Phase of the rollout.
	Phase RolloutPhase `json:"phase"`
	// Live is the version that takes the traffic the trial does not.
	// +optional
	Live string `json:"live,omitempty"`
	// Trial is the version being rolled out ("" when none is).
	// +optional
	Trial string `json:"trial,omitempty"`
	// TrialWeight is the percent of the traffic the trial takes.
	// +optional
	TrialWeight int32 `json:"trialWeight,omitempty"`
	// Step is the step the rollout is at (1-based), of Steps.
	// +optional
	Step int32 `json:"step,omitempty"`
	// +optional
	Steps int32 `json:"steps,omitempty"`
	// Started is when the trial began.
	// +optional
	Started *metav1.Time `json:"started,omitempty"`
	// StepSince is when the current step (or phase) began.
	// +optional
	StepSince *metav1.Time `json:"stepSince,omitempty"`
	// Revision identifies the code and configuration the trial (or the live
	// version, once promoted) was published from; a new one during a
	// rollout supersedes the trial.
	// +optional
	Revision string `json:"revision,omitempty"`
	// Reason says why the rollout stopped (the alarm, the check's error, an
	// abort), for RolledBack.
	// +optional
	Reason string `json:"reason,omitempty"`
}

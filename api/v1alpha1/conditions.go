package v1alpha1

// Condition types, as kstatus (and so Flux and Argo CD) read them.
const (
	// ConditionReady is True when every child is ready.
	ConditionReady = "Ready"
	// ConditionReconciling is True while the stack moves towards Ready; it is
	// removed once Ready or Stalled.
	ConditionReconciling = "Reconciling"
	// ConditionStalled is True when the stack cannot progress without a
	// change of spec; it is removed otherwise.
	ConditionStalled = "Stalled"
)

// Condition reasons.
const (
	// ReasonSucceeded: every child is ready.
	ReasonSucceeded = "Succeeded"
	// ReasonProgressing: children are being created or updated by ACK.
	ReasonProgressing = "Progressing"
	// ReasonWaitingForDependencies: some children wait for another child's ARN or URL.
	ReasonWaitingForDependencies = "WaitingForDependencies"
	// ReasonInvalidSpec: the spec fails validation.
	ReasonInvalidSpec = "InvalidSpec"
	// ReasonChildRejected: the API server refused a child (its ACK CRD).
	ReasonChildRejected = "ChildRejected"
	// ReasonChildStalled: ACK reports a terminal error on a child.
	ReasonChildStalled = "ChildStalled"
	// ReasonReconcileError: a transient error; the controller retries with backoff.
	ReasonReconcileError = "ReconcileError"
	// ReasonDeleting: the stack is being deleted; the message says what it
	// still waits for.
	ReasonDeleting = "Deleting"
	// ReasonForbidden: the stack breaks a guardrail of the platform
	// (docs/multi-tenancy.md).
	ReasonForbidden = "Forbidden"
	// ReasonAccountNotMapped: the namespace's AWS account cannot be used.
	ReasonAccountNotMapped = "AccountNotMapped"
	// ReasonNameOwnedByAnotherStack: an AWS name of the stack is another
	// stack's; nothing is built.
	ReasonNameOwnedByAnotherStack = "NameOwnedByAnotherStack"
	// ReasonRollingOut: a function's new version takes part of the traffic
	// (status.rollouts); Ready once it is promoted.
	ReasonRollingOut = "RollingOut"
	// ReasonRolledBack: a function's new version was rolled back (an alarm,
	// a failed check, an abort); Stalled until another version is published.
	ReasonRolledBack = "RolledBack"
)

// String returns the state's name.
func (s ChildState) String() string { return string(s) }

package ack

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/eventstack-io/eventstack-operator/internal/arns"
)

// The two kinds of a safe code rollout (issue 22): a published version of a
// function and the alias that routes its traffic. docs/ack-behaviour.md rows
// 26-33 say what lambda-controller does with each.

// VersionSpec is the part of ACK's lambda Version spec this operator sets.
// lambda-controller publishes a Version once (PublishVersion) and sends no
// later edit of these fields: a new code is a new Version child. After the
// publication it writes Lambda's CodeSha256 and Description back into the
// spec.
type VersionSpec struct {
	FunctionName *string `json:"functionName,omitempty"`
	// CodeSHA256 makes Lambda refuse to publish other code than the one
	// declared (the base64 SHA-256 the Function child declares).
	CodeSHA256  *string `json:"codeSHA256,omitempty"`
	Description *string `json:"description,omitempty"`
}

// VersionStatus is ACK's lambda Version status. lambda-controller sets no
// ackResourceMetadata.arn on a Version: its ARN is FunctionARN.
type VersionStatus struct {
	Status `json:",inline"`
	// Version is the number Lambda gave the version, as a string.
	Version *string `json:"version,omitempty"`
	// FunctionARN is the version's ARN: the function's ARN, ":" and the
	// version.
	FunctionARN *string `json:"functionARN,omitempty"`
	// State is Pending (a SnapStart version being prepared), Active,
	// Inactive or Failed; ACK reports the Version synced whatever it is.
	State       *string `json:"state,omitempty"`
	StateReason *string `json:"stateReason,omitempty"`
}

// Version is ACK's lambda.services.k8s.aws/v1alpha1 Version.
// +kubebuilder:object:root=true
type Version struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              VersionSpec   `json:"spec,omitempty"`
	Status            VersionStatus `json:"status,omitempty"`
}

// VersionList is a list of Version.
// +kubebuilder:object:root=true
type VersionList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Version `json:"items"`
}

// ACKStatus implements Object.
func (v *Version) ACKStatus() *Status { return &v.Status.Status }

// Objects implements ObjectList.
func (l *VersionList) Objects() []Object { return items(l.Items) }

// AliasRoutingConfiguration routes a share of an alias's traffic to a second
// version.
type AliasRoutingConfiguration struct {
	// AdditionalVersionWeights maps the second version's number to its
	// share (0 to 1). Not omitted when empty: lambda-controller sends
	// RoutingConfig only when the spec has one, and Lambda clears the
	// weights only when told so, so an alias back on one version says
	// `additionalVersionWeights: {}` (docs/ack-behaviour.md row 32).
	AdditionalVersionWeights map[string]*float64 `json:"additionalVersionWeights"`
}

// AliasSpec is the part of ACK's lambda Alias spec this operator sets.
type AliasSpec struct {
	// Name is the alias's name, immutable in the CRD.
	Name         *string `json:"name,omitempty"`
	FunctionName *string `json:"functionName,omitempty"`
	// FunctionVersion is the version that takes the traffic the routing
	// does not send elsewhere.
	FunctionVersion *string                    `json:"functionVersion,omitempty"`
	Description     *string                    `json:"description,omitempty"`
	RoutingConfig   *AliasRoutingConfiguration `json:"routingConfig,omitempty"`
	// Permissions are the whole resource-based policy of the alias:
	// lambda-controller removes any statement the list lacks
	// (docs/ack-behaviour.md row 31).
	Permissions []*AliasPermission `json:"permissions,omitempty"`
}

// AliasPermission is one statement of an alias's policy (AddPermission's
// members that lambda-controller compares).
type AliasPermission struct {
	StatementID   *string `json:"statementID,omitempty"`
	Action        *string `json:"action,omitempty"`
	Principal     *string `json:"principal,omitempty"`
	SourceARN     *string `json:"sourceARN,omitempty"`
	SourceAccount *string `json:"sourceAccount,omitempty"`
}

// AliasStatus is ACK's lambda Alias status; its ARN (the function's ARN, ":"
// and the alias's name) is in ackResourceMetadata.
type AliasStatus struct {
	Status     `json:",inline"`
	RevisionID *string `json:"revisionID,omitempty"`
}

// Alias is ACK's lambda.services.k8s.aws/v1alpha1 Alias.
// +kubebuilder:object:root=true
type Alias struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              AliasSpec   `json:"spec,omitempty"`
	Status            AliasStatus `json:"status,omitempty"`
}

// AliasList is a list of Alias.
// +kubebuilder:object:root=true
type AliasList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Alias `json:"items"`
}

// ACKStatus implements Object.
func (a *Alias) ACKStatus() *Status { return &a.Status.Status }

// Objects implements ObjectList.
func (l *AliasList) Objects() []Object { return items(l.Items) }

// versionARN is the ARN of a version of a Version child's function; version
// is the number Lambda gives it, which only ACK's status (or a prediction)
// knows.
func versionARN(o *Version, s arns.Scope, version string) string {
	return s.Function(ptr.Deref(o.Spec.FunctionName, "")) + ":" + version
}

// aliasARN is the ARN of an Alias child's alias.
func aliasARN(o *Alias, s arns.Scope, _ string) string {
	return s.Function(ptr.Deref(o.Spec.FunctionName, "")) + ":" + ptr.Deref(o.Spec.Name, "")
}

func compactVersion(o *Version, c Compactor) {
	o.Status.State = c.Intern(o.Status.State)
}

func compactAlias(o *Alias, c Compactor) {
	if r := o.Spec.RoutingConfig; r != nil && len(r.AdditionalVersionWeights) > 0 {
		weights := make(map[string]*float64, len(r.AdditionalVersionWeights))
		for k, v := range r.AdditionalVersionWeights {
			weights[c.Key(k)] = v
		}
		r.AdditionalVersionWeights = weights
	}
}

// assessVersion reads a Version's state: ACK reports it synced as soon as
// it is published, whatever Lambda's state of it.
func assessVersion(o *Version) Assessment {
	switch ptr.Deref(o.Status.State, "") {
	case "Failed":
		return Assessment{Stalled: "Lambda reports version " + ptr.Deref(o.Status.Version, "?") + " Failed: " + orUnknown(o.Status.StateReason)}
	case "Pending":
		return Assessment{InProgress: "Lambda is preparing version " + ptr.Deref(o.Status.Version, "?") + " (Pending): " + orUnknown(o.Status.StateReason)}
	}
	return Assessment{}
}

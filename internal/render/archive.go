package render

import "github.com/eventstack-io/eventstack-operator/api/v1alpha1"

// Archive is the EventBridge archive a stack's bus keeps (spec.eventBus.archive),
// as CreateArchive and UpdateArchive take it.
type Archive struct {
	Name          string
	RetentionDays int32
	// EventPattern is the pattern as compact JSON; "" archives every event.
	EventPattern string
}

// ArchiveName is the AWS name of the archive of a stack's bus:
// <namePrefix><bus>-archive; "" for a stack without a bus.
func ArchiveName(spec *v1alpha1.EventDrivenStackSpec) string {
	if spec.EventBus == nil {
		return ""
	}
	return spec.NamePrefix + spec.EventBus.Name + "-archive"
}

// BuildArchive returns the archive the stack's bus keeps, nil when the spec
// asks for none.
func BuildArchive(stack *v1alpha1.EventDrivenStack) *Archive {
	bus := stack.Spec.EventBus
	if bus == nil || bus.Archive == nil {
		return nil
	}
	a := &Archive{Name: ArchiveName(&stack.Spec), RetentionDays: bus.Archive.RetentionDays}
	if bus.Archive.EventPattern != nil {
		a.EventPattern = compactJSON(bus.Archive.EventPattern.Raw)
	}
	return a
}

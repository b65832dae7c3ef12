package validation

import (
	"fmt"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/eventstack-io/eventstack-operator/internal/eventpattern"
	"github.com/eventstack-io/eventstack-operator/internal/render"
)

// maxArchiveNameLength is EventBridge's limit on an archive's name
// (CreateArchive's ArchiveName: 1 to 48 characters).
const maxArchiveNameLength = 48

// archive checks the bus's archive: its pattern as a rule's is checked,
// before any AWS call, and its name in AWS within EventBridge's limit.
func (v *validator) archive(spec *field.Path) {
	if v.spec.EventBus == nil || v.spec.EventBus.Archive == nil {
		return
	}
	p := spec.Child("eventBus", "archive")
	a := v.spec.EventBus.Archive
	if a.EventPattern != nil {
		if err := eventpattern.Check(a.EventPattern.Raw); err != nil {
			v.errs = append(v.errs, field.Invalid(p.Child("eventPattern"), string(a.EventPattern.Raw), fmt.Sprintf("the archive's pattern: %v", err)))
		}
	}
	if name := render.ArchiveName(v.spec); len(name) > maxArchiveNameLength {
		v.errs = append(v.errs, field.Invalid(p, name, fmt.Sprintf(
			"the archive's name in AWS (namePrefix, the bus's name and -archive) is %d characters; EventBridge allows %d: shorten the bus's name or the prefix",
			len(name), maxArchiveNameLength)))
	}
}

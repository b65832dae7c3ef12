package validation_test

import (
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/validation"
)

func TestValidateArchive(t *testing.T) {
	tests := []struct {
		name    string
		prefix  string
		bus     string
		archive v1alpha1.EventArchive
		want    []wantErr
	}{{
		name:    "retention and a pattern: valid",
		bus:     "custom-event-bus",
		archive: v1alpha1.EventArchive{RetentionDays: 7, EventPattern: &apiextensionsv1.JSON{Raw: []byte(`{"source":["orders"]}`)}},
	}, {
		name: "no pattern archives everything: valid",
		bus:  "custom-event-bus",
	}, {
		name:    "a malformed pattern is refused at its field, as a rule's",
		bus:     "custom-event-bus",
		archive: v1alpha1.EventArchive{EventPattern: &apiextensionsv1.JSON{Raw: []byte(`{"source":"orders"}`)}},
		want:    []wantErr{{field.ErrorTypeInvalid, "spec.eventBus.archive.eventPattern", "the archive's pattern"}},
	}, {
		name:   "an archive name over EventBridge's 48 characters is refused, naming the archive",
		prefix: "team-payments-",
		bus:    "a-bus-name-that-is-rather-long",
		want:   []wantErr{{field.ErrorTypeInvalid, "spec.eventBus.archive", "EventBridge allows 48"}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stack := loadSeed(t)
			stack.Spec.NamePrefix = tt.prefix
			stack.Spec.EventBus.Name = tt.bus
			a := tt.archive
			stack.Spec.EventBus.Archive = &a
			var archiveErrs field.ErrorList
			for _, e := range validation.Validate(stack) {
				if strings.HasPrefix(e.Field, "spec.eventBus.archive") {
					archiveErrs = append(archiveErrs, e)
				}
			}
			expectErrors(t, archiveErrs, tt.want)
		})
	}
}

package perf

import (
	_ "unsafe" // go:linkname

	"k8s.io/apimachinery/pkg/util/sets"
	_ "sigs.k8s.io/controller-runtime/pkg/controller"
)

// controllerNames is controller-runtime's process-wide set of controller
// names. A process may start a controller of a given name only once unless the
// manager sets Controller.SkipNameValidation, which operator.Options does not
// expose; the benchmarks start operator.New several times, one after the
// other (each stopped before the next starts), so they forget the name in
// between. The production binary starts one operator and is not affected.
//
//go:linkname controllerNames sigs.k8s.io/controller-runtime/pkg/controller.usedNames
var controllerNames sets.Set[string]

// resetControllerNames lets the next operator.New register its controller.
// Call it only while no manager is being built.
func resetControllerNames() { controllerNames = nil }

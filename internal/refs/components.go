package refs

import "github.com/eventstack-io/eventstack-operator/api/v1alpha1"

// Component is a named component of a stack: what a reference can name.
type Component struct {
	Kind Kind
	Name string
}

// Components lists every component of a spec that a reference can name, in
// spec order: the event bus, queues, topics, tables, functions, workflows.
func Components(s *v1alpha1.EventDrivenStackSpec) []Component {
	var out []Component
	if s.EventBus != nil {
		out = append(out, Component{EventBus, s.EventBus.Name})
	}
	for _, x := range s.Queues {
		out = append(out, Component{Queue, x.Name})
	}
	for _, x := range s.Topics {
		out = append(out, Component{Topic, x.Name})
	}
	for _, x := range s.Tables {
		out = append(out, Component{Table, x.Name})
	}
	for _, x := range s.Functions {
		out = append(out, Component{Function, x.Name})
	}
	for _, x := range s.Workflows {
		out = append(out, Component{Workflow, x.Name})
	}
	return out
}

// Package seedenv tells, for the tests of the functions' main packages, the
// environment the operator gives each function of the seed stack.
package seedenv

import (
	"os"
	"path/filepath"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/render"
	"github.com/eventstack-io/eventstack-operator/test/emulators"
)

// Of is the environment the operator gives a function of the
// seed stack (config/samples): for each variable the operator's reconciler
// sets (render.TableEnv, render.TopicEnv, render.QueueEnv,
// render.EnvDeadLetterQueueURL, spec environment), a placeholder value naming
// what the real one would be. It fails the test when the seed has no such
// function.
func Of(t testing.TB, function string) map[string]string {
	t.Helper()
	root, err := emulators.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(root, "config", "samples", "stacks_v1alpha1_eventdrivenstack.yaml"))
	if err != nil {
		t.Fatalf("reading the seed sample: %v", err)
	}
	var stack v1alpha1.EventDrivenStack
	if err := yaml.UnmarshalStrict(data, &stack); err != nil {
		t.Fatalf("decoding the seed sample: %v", err)
	}
	for _, f := range stack.Spec.Functions {
		if f.Name != function {
			continue
		}
		env := map[string]string{}
		for k, v := range f.Environment {
			env[k] = v
		}
		if u := f.Uses; u != nil {
			for _, tu := range u.Tables {
				env[render.TableEnv(tu)] = "table:" + tu.Name
			}
			for _, tu := range u.Topics {
				env[render.TopicEnv(tu)] = "arn:aws:sns:us-east-1:123456789012:" + tu.Name
			}
			for _, qu := range u.Queues {
				env[render.QueueEnv(qu)] = "https://sqs.us-east-1.amazonaws.com/123456789012/" + qu.Name
			}
		}
		if f.DeadLetterQueue != "" {
			env[render.EnvDeadLetterQueueURL] = "https://sqs.us-east-1.amazonaws.com/123456789012/" + f.DeadLetterQueue
		}
		return env
	}
	t.Fatalf("the seed sample has no function %s", function)
	return nil
}

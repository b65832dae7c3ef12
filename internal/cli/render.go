package cli

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/types"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/cli/manifest"
	"github.com/eventstack-io/eventstack-operator/internal/cli/predict"
	"github.com/eventstack-io/eventstack-operator/internal/cli/stackfile"
	"github.com/eventstack-io/eventstack-operator/internal/render"
)

type renderOptions struct {
	file        string
	namespace   string
	accountID   string
	ownerUID    string
	eventBridge bool
	output      string
	graph       string
}

func newRenderCommand(s Streams) *cobra.Command {
	o := &renderOptions{}
	cmd := &cobra.Command{
		Use:   "render -f FILE",
		Short: "Print, offline, every ACK object the operator would create for a stack",
		Long: `Render reads an EventDrivenStack from a file, judges it as the cluster would (strict
decoding, the CRD's defaults, schema and CEL rules, and the webhook's checks: every
error names its field), and prints every ACK object the operator would create for
it, built by the operator's own code, as YAML documents (or a JSON List) that
kubectl apply, client- or server-side, accepts.

No cluster is needed. The ARNs and URLs that ACK would report, which some children
hold (a queue's redrive policy, a function's role, a workflow's definition), are
predicted from the stack's region and --account-id (default: spec.adoption.accountID,
else the placeholder 000000000000).

Owner references: the operator makes the stack own every child, by the stack's UID,
which exists only once the stack is created. Children are printed WITHOUT owner
references unless --owner-uid gives that UID (kubectl get eds NAME -o
jsonpath='{.metadata.uid}'); with it, each object is exactly what the operator applies.

With --eventbridge it prints instead the EventBridge bus, rules, targets and Lambda
permissions the operator creates through the AWS API, as the inputs of those calls:
{"CreateEventBus": {...}, "PutRule": [...], "PutTargets": [...], "AddPermission": [...]}.

With --graph it prints instead the stack's dependency graph, computed by the
operator's own builders under the operator's own waiting rules: every child and
what the operator makes itself (bus, rules and their targets, log groups), in the
wave of reconciles in which each can be made (each after ACK reported what the
previous one made), what each waits for (AWS checks the value: it is made once
the value is reported) and what it only names (derived from the name: nothing
waits), and why. --graph (or --graph=text) prints text, --graph=dot Graphviz DOT
(kubectl eds render -f stack.yaml --graph=dot | dot -Tsvg > graph.svg): one
cluster per wave, solid edges where a node waits, dashed where it names.`,
		Example: `  kubectl eds render -f stack.yaml | kubectl apply --server-side --dry-run=server -f -
  kubectl eds render -f stack.yaml --account-id 123456789012 -o json
  kubectl eds render -f stack.yaml -n shop --owner-uid "$(kubectl get eds -n shop shop -o jsonpath='{.metadata.uid}')"
  kubectl eds render -f stack.yaml --eventbridge
  kubectl eds render -f stack.yaml --graph
  kubectl eds render -f stack.yaml --graph=dot | dot -Tsvg > graph.svg`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.eventBridge && cmd.Flags().Changed("output") && o.output != "json" {
				return fmt.Errorf("--eventbridge prints JSON only")
			}
			if cmd.Flags().Changed("graph") {
				if !slices.Contains(GraphFormats, o.graph) {
					return fmt.Errorf("--graph=%s: want %s", o.graph, strings.Join(GraphFormats, " or "))
				}
				for _, other := range []string{"eventbridge", "output", "owner-uid"} {
					if cmd.Flags().Changed(other) {
						return fmt.Errorf("--graph prints the graph only: it takes no --%s", other)
					}
				}
			}
			return o.run(s)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.file, "filename", "f", "", "The EventDrivenStack file (YAML or JSON); - reads standard input")
	f.StringVarP(&o.namespace, "namespace", "n", "", "Namespace of the stack and its children (default: the file's metadata.namespace, else default)")
	f.StringVar(&o.accountID, "account-id", "", "AWS account of the predicted ARNs (default: spec.adoption.accountID, else "+predict.PlaceholderAccount+")")
	f.StringVar(&o.ownerUID, "owner-uid", "", "UID of the stack in the cluster: print each child with its owner reference (default: none)")
	f.BoolVar(&o.eventBridge, "eventbridge", false, "Print the EventBridge bus, rules, targets and Lambda permissions as AWS API inputs (JSON)")
	f.StringVarP(&o.output, "output", "o", "yaml", "Output format: "+strings.Join(manifest.Formats, " or "))
	f.StringVar(&o.graph, "graph", "", "Print the dependency graph instead: --graph or --graph=text, --graph=dot (Graphviz)")
	f.Lookup("graph").NoOptDefVal = "text"
	_ = cmd.MarkFlagRequired("filename")
	return cmd
}

func (o *renderOptions) run(s Streams) error {
	stack, err := o.read(s.In)
	if err != nil {
		return err
	}
	account := o.accountID
	if account == "" {
		account = predict.PlaceholderAccount
		if a := stack.Spec.Adoption; a != nil && a.AccountID != "" {
			account = a.AccountID
		}
	}
	p, err := predict.New(stack.Spec.Region, account)
	if err != nil {
		return fmt.Errorf("--account-id: %w", err)
	}
	if o.graph != "" {
		// From nothing, as a new stack starts; the account known, as the
		// operator knows it (adoption, ACK's reports, or STS).
		g, err := render.BuildGraph(stack, render.Inputs{Observed: render.Observed{Account: p.AccountID}})
		if err != nil {
			return err
		}
		return writeGraph(s.Out, g, o.graph)
	}
	obs, err := predict.Resolve(stack, p)
	if err != nil {
		return err
	}
	if o.eventBridge {
		calls, err := manifest.EventBridge(stack, obs)
		if err != nil {
			return err
		}
		return manifest.WriteEventBridge(s.Out, calls)
	}
	objs, err := manifest.Children(stack, obs, manifest.Options{OwnerUID: types.UID(o.ownerUID)})
	if err != nil {
		return err
	}
	return manifest.Write(s.Out, objs, o.output)
}

func (o *renderOptions) read(stdin io.Reader) (*v1alpha1.EventDrivenStack, error) {
	if o.file == "-" {
		return stackfile.Read(stdin, "<stdin>", o.namespace)
	}
	f, err := os.Open(o.file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return stackfile.Read(f, o.file, o.namespace)
}

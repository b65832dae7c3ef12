package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/pflag"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	restclient "k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
)

// kubeFlags load the kubeconfig as kubectl does: --kubeconfig, else
// $KUBECONFIG, else ~/.kube/config; --context, --cluster and --user pick
// within it; -n/--namespace, else the context's namespace, else default.
type kubeFlags struct {
	kubeconfig string
	overrides  clientcmd.ConfigOverrides
	// warnings is where the API server's warnings go, as kubectl prints them.
	warnings io.Writer
}

func (k *kubeFlags) bind(fs *pflag.FlagSet) {
	fs.StringVar(&k.kubeconfig, "kubeconfig", "", "Path to the kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)")
	names := clientcmd.RecommendedConfigOverrideFlags("")
	names.CurrentContext.BindStringFlag(fs, &k.overrides.CurrentContext)
	clientcmd.BindContextFlags(&k.overrides.Context, fs, names.ContextOverrideFlags)
}

// getStack reads a stack from the cluster of the kubeconfig.
func (k *kubeFlags) getStack(ctx context.Context, name string) (*v1alpha1.EventDrivenStack, error) {
	c, namespace, err := k.client()
	if err != nil {
		return nil, err
	}
	stack := &v1alpha1.EventDrivenStack{}
	err = c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, stack)
	if apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("EventDrivenStack %q not found in namespace %q", name, namespace)
	}
	if err != nil {
		return nil, fmt.Errorf("reading EventDrivenStack %s/%s: %w", namespace, name, err)
	}
	return stack, nil
}

// client is a client of the kubeconfig's cluster, and the namespace it names.
func (k *kubeFlags) client() (client.Client, string, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = k.kubeconfig
	config := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &k.overrides)
	namespace, _, err := config.Namespace()
	if err != nil {
		return nil, "", fmt.Errorf("kubeconfig: %w", err)
	}
	rest, err := config.ClientConfig()
	if err != nil {
		return nil, "", fmt.Errorf("kubeconfig: %w", err)
	}
	if k.warnings != nil {
		rest.WarningHandler = restclient.NewWarningWriter(k.warnings, restclient.WarningWriterOptions{Deduplicate: true})
	}
	scheme := runtime.NewScheme()
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		return nil, "", err
	}
	c, err := client.New(rest, client.Options{Scheme: scheme})
	return c, namespace, err
}

package tenancy

import (
	"flag"
	"fmt"

	"k8s.io/apimachinery/pkg/labels"
)

// Flags are the operator flags that set the Policy (docs/multi-tenancy.md).
type Flags struct {
	preset, namePrefix, adoption, roleARNs, buckets, dataBuckets, images, eventBuses, external, namespaces string
	requireAccount                                                                                         boolFlag
}

// boolFlag remembers whether it was given.
type boolFlag struct{ set, value bool }

func (b *boolFlag) String() string { return fmt.Sprint(b.value) }
func (b *boolFlag) Set(s string) error {
	_, err := fmt.Sscan(s, &b.value)
	b.set = true
	return err
}
func (b *boolFlag) IsBoolFlag() bool { return true }

// Bind registers the flags.
func (f *Flags) Bind(fs *flag.FlagSet) {
	fs.StringVar(&f.preset, "tenancy", "open", "Preset of the guardrails: open (one team; nothing restricted) or strict (teams share the operator: "+
		"namePrefix {namespace}--, adoption, custom roles, code and data buckets, image repositories, other event buses as rule targets and external workflow calls only where the namespace is annotated, "+
		"every namespace mapped to an account). The flags below override it.")
	fs.StringVar(&f.namePrefix, "name-prefix-pattern", "", `What every stack's namePrefix must start with; {namespace} stands for its namespace ("none": no rule). `+
		`{namespace}-- keeps every namespace's names apart, future ones included; other patterns (the former default {namespace}-) only among the namespaces that exist.`)
	fs.StringVar(&f.adoption, "adoption", "", "Where stacks may adopt existing AWS resources: allowed, annotated (namespaces annotated "+AnnotationAllowAdoption+`: "true") or forbidden.`)
	fs.StringVar(&f.roleARNs, "allowed-role-arns", "", `Comma-separated patterns (* for any run, {namespace}) a roleARN must match; "*" for any; namespaces add theirs with `+AnnotationAllowedRoleARNs+".")
	fs.StringVar(&f.buckets, "allowed-code-buckets", "", `Comma-separated patterns of the S3 buckets function code may come from; "*" for any; namespaces add theirs with `+AnnotationAllowedCodeBuckets+".")
	fs.StringVar(&f.dataBuckets, "allowed-data-buckets", "", `Comma-separated patterns of the S3 buckets a workflow's Distributed Map may read items from and write results to, where external workflow calls are not allowed; "*" for any; namespaces add theirs with `+AnnotationAllowedDataBuckets+".")
	fs.StringVar(&f.images, "allowed-image-repositories", "", `Comma-separated patterns of the image repositories (registry/repository) functions may run; "*" for any; namespaces add theirs with `+AnnotationAllowedImageRepositories+".")
	fs.StringVar(&f.eventBuses, "allowed-event-buses", "", `Comma-separated patterns of the event bus ARNs a rule target may put events on, besides the namespace's own (its account, its name prefix); "*" for any; namespaces add theirs with `+AnnotationAllowedEventBuses+".")
	fs.StringVar(&f.external, "external-workflow-calls", "", "Where workflows may call resources outside their stack: allowed, annotated ("+AnnotationAllowExternalCalls+`: "true") or forbidden.`)
	fs.StringVar(&f.namespaces, "tenancy-namespace-selector", "", "Label selector of the namespaces the guardrails apply to (default: every namespace); stacks elsewhere, the platform's own, are not restricted.")
	fs.Var(&f.requireAccount, "require-account-mapping", "Refuse stacks in namespaces not mapped to an AWS account (ACK's "+AnnotationOwnerAccountID+" annotation and role map).")
}

// Policy is the policy the flags set.
func (f *Flags) Policy() (Policy, error) {
	var p Policy
	switch f.preset {
	case "", "open":
		p = Open()
	case "strict":
		p = Strict()
	default:
		return p, fmt.Errorf("--tenancy=%q: want open or strict", f.preset)
	}
	switch f.namePrefix {
	case "":
	case "none":
		p.NamePrefix = ""
	default:
		p.NamePrefix = f.namePrefix
	}
	for _, m := range []struct {
		flag, value string
		to          *Mode
	}{{"--adoption", f.adoption, &p.Adoption}, {"--external-workflow-calls", f.external, &p.ExternalCalls}} {
		if m.value == "" {
			continue
		}
		mode, err := ParseMode(m.value)
		if err != nil {
			return p, fmt.Errorf("%s: %w", m.flag, err)
		}
		*m.to = mode
	}
	for _, l := range []struct {
		value string
		to    *Allowlist
	}{{f.roleARNs, &p.RoleARNs}, {f.buckets, &p.CodeBuckets}, {f.dataBuckets, &p.DataBuckets}, {f.images, &p.ImageRepositories}, {f.eventBuses, &p.EventBuses}} {
		if l.value != "" {
			*l.to = ParseAllowlist(l.value)
		}
	}
	if f.requireAccount.set {
		p.RequireAccount = f.requireAccount.value
	}
	if f.namespaces != "" {
		sel, err := labels.Parse(f.namespaces)
		if err != nil {
			return p, fmt.Errorf("--tenancy-namespace-selector: %w", err)
		}
		p.Namespaces = sel
	}
	return p, nil
}

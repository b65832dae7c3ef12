// Package stackfile reads an EventDrivenStack from a YAML or JSON file, offline,
// and judges it as the cluster would: strict decoding (an unknown or duplicate
// field is an error), the CRD's defaults, its OpenAPI schema (ranges, patterns,
// enums), its list-map keys and its CEL rules, then validation.Validate, the
// webhook's own checks. Every error names its field.
//
// Defaulting matters beyond validation: the operator renders the stack the API
// server stored, with defaults filled in (a queue's visibility timeout, a
// function's memory), so an offline render must fill in the same defaults to
// print what the operator would create. The API server's own code does it
// here (k8s.io/apiextensions-apiserver), from a copy of the generated CRD
// embedded in the binary; a test fails when the copy is stale.
package stackfile

//go:generate cp ../../../config/crd/bases/stacks.eventstack.io_eventdrivenstacks.yaml eventdrivenstacks.crd.yaml

import (
	"bufio"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	apiextensionsinternal "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	structurallisttype "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/listtype"
	apiservervalidation "k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	"k8s.io/apimachinery/pkg/runtime"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"k8s.io/apimachinery/pkg/util/validation/field"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	sigsjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/validation"
)

// CRD is the generated EventDrivenStack CRD (config/crd/bases), embedded.
//
//go:embed eventdrivenstacks.crd.yaml
var CRD []byte

// DefaultNamespace is where a stack without a namespace is placed, as
// kubectl would place it with the default context.
const DefaultNamespace = "default"

// Error lists every problem of a stack file, each naming its field.
type Error struct {
	// Source names the file ("-" for standard input).
	Source string
	// Problems are one line each, starting with the field's path.
	Problems []string
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: the stack is invalid:", e.Source)
	for _, p := range e.Problems {
		b.WriteString("\n  - ")
		b.WriteString(p)
	}
	return b.String()
}

func invalid(source string, errs field.ErrorList) *Error {
	e := &Error{Source: source}
	for _, err := range errs {
		e.Problems = append(e.Problems, err.Error())
	}
	return e
}

// Read reads the stack in r (source names it in errors) and judges it; see
// the package documentation. namespace, when set, places the stack (as
// kubectl -n does); else its metadata.namespace, else DefaultNamespace.
func Read(r io.Reader, source, namespace string) (*v1alpha1.EventDrivenStack, error) {
	doc, err := oneDocument(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	stack, problems, err := decode(doc)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	if len(problems) > 0 {
		return nil, &Error{Source: source, Problems: problems}
	}
	switch {
	case namespace != "":
		stack.Namespace = namespace
	case stack.Namespace == "":
		stack.Namespace = DefaultNamespace
	}
	if errs := validation.Validate(stack); len(errs) > 0 {
		return nil, invalid(source, errs)
	}
	return stack, nil
}

// oneDocument returns the one non-empty YAML (or JSON) document of r, as JSON.
func oneDocument(r io.Reader) ([]byte, error) {
	reader := utilyaml.NewYAMLReader(bufio.NewReader(r))
	var docs [][]byte
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		js, err := yaml.YAMLToJSONStrict(doc) // a duplicate key is an error
		if err != nil {
			return nil, err
		}
		if string(js) != "null" { // comments only
			docs = append(docs, js)
		}
	}
	switch len(docs) {
	case 0:
		return nil, errors.New("no EventDrivenStack in it")
	case 1:
		return docs[0], nil
	default:
		return nil, fmt.Errorf("%d documents in it: give a file with one EventDrivenStack", len(docs))
	}
}

// decode decodes one JSON document as the API server decodes a create of it:
// strictly, then defaulted, then checked against the CRD's schema and rules.
// It returns the problems found, one line each.
func decode(doc []byte) (*v1alpha1.EventDrivenStack, []string, error) {
	var u map[string]any
	if err := utiljson.Unmarshal(doc, &u); err != nil {
		return nil, nil, err
	}
	if u == nil {
		return nil, nil, errors.New("not an object")
	}
	apiVersion, _ := u["apiVersion"].(string)
	kind, _ := u["kind"].(string)
	if apiVersion != v1alpha1.GroupVersion.String() || kind != "EventDrivenStack" {
		return nil, nil, fmt.Errorf("apiVersion %q, kind %q: want %s EventDrivenStack", apiVersion, kind, v1alpha1.GroupVersion)
	}

	// Strict decoding names the path of an unknown or duplicate field:
	// unknown field "spec.queues[0].visibilityTimeout".
	strict, err := sigsjson.UnmarshalStrict(doc, &v1alpha1.EventDrivenStack{},
		sigsjson.DisallowDuplicateFields, sigsjson.DisallowUnknownFields)
	if err != nil {
		return nil, nil, err
	}
	if len(strict) > 0 {
		problems := make([]string, len(strict))
		for i, e := range strict {
			problems[i] = e.Error()
		}
		return nil, problems, nil
	}

	var errs field.ErrorList

	s, err := loadSchema()
	if err != nil {
		return nil, nil, err
	}
	defaulting.Default(u, s.structural)
	errs = append(errs, apiservervalidation.ValidateCustomResource(nil, u, s.validator)...)
	errs = append(errs, structurallisttype.ValidateListSetsAndMaps(nil, s.structural, u)...)
	if len(errs) == 0 && s.cel != nil {
		// As the API server: CEL runs only on an object the schema accepts.
		celErrs, _ := s.cel.Validate(context.Background(), nil, s.structural, u, nil, celconfig.RuntimeCELCostBudget)
		errs = append(errs, celErrs...)
	}
	if len(errs) > 0 {
		return nil, invalid("", errs).Problems, nil
	}
	stack := &v1alpha1.EventDrivenStack{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u, stack); err != nil {
		return nil, nil, err
	}
	return stack, nil, nil
}

// schema is the CRD's v1alpha1 schema in the forms the API server uses.
type schema struct {
	structural *structuralschema.Structural
	validator  apiservervalidation.SchemaValidator
	cel        *cel.Validator
}

var loadSchema = sync.OnceValues(func() (*schema, error) {
	crd := &apiextensionsv1.CustomResourceDefinition{}
	if err := yaml.UnmarshalStrict(CRD, crd); err != nil {
		return nil, fmt.Errorf("the embedded CRD: %w", err)
	}
	var v1Schema *apiextensionsv1.JSONSchemaProps
	for _, v := range crd.Spec.Versions {
		if v.Name == v1alpha1.GroupVersion.Version && v.Schema != nil {
			v1Schema = v.Schema.OpenAPIV3Schema
		}
	}
	if v1Schema == nil {
		return nil, fmt.Errorf("the embedded CRD has no %s schema", v1alpha1.GroupVersion.Version)
	}
	internal := &apiextensionsinternal.JSONSchemaProps{}
	if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(v1Schema, internal, nil); err != nil {
		return nil, err
	}
	structural, err := structuralschema.NewStructural(internal)
	if err != nil {
		return nil, err
	}
	validator, _, err := apiservervalidation.NewSchemaValidator(internal)
	if err != nil {
		return nil, err
	}
	return &schema{
		structural: structural,
		validator:  validator,
		cel:        cel.NewValidator(structural, true, celconfig.PerCallLimit),
	}, nil
})

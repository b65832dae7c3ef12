package localaws

import (
	"net/http"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Versions and aliases (issue 22's rollouts), as lambda-controller v1.14.1's
// Version and Alias kinds call them and as the Lambda API Reference
// documents them:
//
//   - PublishVersion (201) publishes $LATEST as the next number; while the
//     function is Pending or being updated it answers 409
//     ResourceConflictException (updateConflict); a RevisionId that is not
//     $LATEST's answers 412 PreconditionFailedException; a CodeSha256 that
//     is not $LATEST's answers 400 InvalidParameterValueException. When
//     neither the code nor the configuration changed since the last version,
//     Lambda publishes nothing and answers that version.
//   - ListVersionsByFunction pages through $LATEST and the versions in order
//     (MaxItems 1-10000, default 50; Marker as the answer's NextMarker).
//   - GetFunction and GetFunctionConfiguration take a version number or an
//     alias name as Qualifier (an alias answers its FunctionVersion's
//     configuration with the alias's ARN, as Lambda does); a version is
//     Active with its own RevisionId.
//   - DeleteFunction with a version's number deletes that version only; one
//     an alias routes to answers 409 ResourceConflictException.
//   - CreateAlias (201), GetAlias, UpdateAlias, DeleteAlias (204): a name
//     of [a-zA-Z0-9-_] that is not a number; FunctionVersion $LATEST or a
//     published version; RoutingConfig.AdditionalVersionWeights at most one
//     other published version, weight 0.0-1.0, not with $LATEST. UpdateAlias
//     changes only the members it is given: a RoutingConfig given replaces
//     the weights (an empty map removes them), none leaves them. GetAlias
//     answers no RoutingConfig when there are no weights. Each change gives
//     the alias a new RevisionId, which UpdateAlias's RevisionId must match.
//
// Invoke runs them (lambda_invoke.go): a version with the configuration it
// was published with, an alias its FunctionVersion or, with probability w,
// the version of its weights {version: w}; so do event source mappings,
// EventBridge and SNS deliveries and Step Functions tasks whose function ARN
// is qualified. CreateEventSourceMapping and UpdateEventSourceMapping take a
// version's or alias's ARN and keep it as FunctionArn.

// lambdaVersion is a published version: $LATEST's configuration when it was
// published (what the next PublishVersion compares), and the description
// PublishVersion gave it.
type lambdaVersion struct {
	number, desc string
	cfg          functionConfig
	rev          string
	lastModified time.Time
}

// lambdaAlias is an alias of a function.
type lambdaAlias struct {
	name, version, description, rev string
	weights                         map[string]float64
}

var aliasNameRe = regexp.MustCompile(`^[a-zA-Z0-9-_]{1,128}$`)

func init() {
	for route, r := range map[string]lambdaRoute{
		"POST 2015-03-31 functions/*/versions":    {"PublishVersion", (*Server).publishVersion},
		"GET 2015-03-31 functions/*/versions":     {"ListVersionsByFunction", (*Server).listVersionsByFunction},
		"POST 2015-03-31 functions/*/aliases":     {"CreateAlias", (*Server).createAlias},
		"GET 2015-03-31 functions/*/aliases/*":    {"GetAlias", (*Server).getAlias},
		"PUT 2015-03-31 functions/*/aliases/*":    {"UpdateAlias", (*Server).updateAlias},
		"DELETE 2015-03-31 functions/*/aliases/*": {"DeleteAlias", (*Server).deleteAlias},
	} {
		lambdaRoutes[route] = r
	}
}

func (s *Server) publishVersion(p lambdaParams, body []byte) (int, any, *apiError) {
	var in struct{ CodeSha256, Description, RevisionId *string }
	if err := decode(body, &in); err != nil {
		return 0, nil, err
	}
	f, err := s.unqualified(p.name)
	if err != nil {
		return 0, nil, err
	}
	now := time.Now()
	if err := s.checkUpdatable(f, in.RevisionId, now); err != nil {
		return 0, nil, err
	}
	if in.CodeSha256 != nil && *in.CodeSha256 != f.cfg.Code.Sha256 {
		return 0, nil, lambdaInvalid("CodeSHA256 (" + *in.CodeSha256 + ") is different from current CodeSHA256 in $LATEST (" +
			f.cfg.Code.Sha256 + "). Please try again with the current CodeSHA256.")
	}
	if n := len(f.versions); n > 0 && reflect.DeepEqual(f.versions[n-1].cfg, f.cfg) {
		return http.StatusCreated, s.versionView(f, f.versions[n-1], now), nil
	}
	desc := f.cfg.Desc
	if in.Description != nil {
		desc = *in.Description
	}
	f.published++
	v := &lambdaVersion{number: strconv.Itoa(f.published), cfg: f.cfg, desc: desc, rev: newID(), lastModified: now}
	f.versions = append(f.versions, v)
	return http.StatusCreated, s.versionView(f, v, now), nil
}

// versionView is a version's configuration as Lambda answers it.
func (s *Server) versionView(f *lambdaFunction, v *lambdaVersion, now time.Time) functionOut {
	snapshot := *f
	snapshot.cfg = v.cfg
	out := s.view(&snapshot, now)
	out.Version, out.FunctionArn, out.RevisionId = v.number, f.arn(s.Region)+":"+v.number, v.rev
	out.Description = v.desc
	out.LastModified = v.lastModified.UTC().Format(lambdaTimeFormat)
	out.State, out.StateReasonCode, out.StateReason = "Active", "", ""
	out.LastUpdateStatus, out.LastUpdateStatusReasonCode, out.LastUpdateStatusReason = "Successful", "", ""
	return out
}

func (s *Server) listVersionsByFunction(p lambdaParams, _ []byte) (int, any, *apiError) {
	f, err := s.unqualified(p.name)
	if err != nil {
		return 0, nil, err
	}
	limit := 50
	if m := p.query.Get("MaxItems"); m != "" {
		if limit, _ = strconv.Atoi(m); limit < 1 || limit > 10000 {
			return 0, nil, constraint(m, "maxItems", "have value less than or equal to 10000 and greater than or equal to 1")
		}
	}
	start := 0
	if m := p.query.Get("Marker"); m != "" {
		if start, _ = strconv.Atoi(m); start < 1 || start > len(f.versions) {
			return 0, nil, lambdaInvalid("Invalid marker: " + m)
		}
	}
	now := time.Now()
	all := append([]functionOut{s.view(f, now)}, make([]functionOut, 0, len(f.versions))...)
	for _, v := range f.versions {
		all = append(all, s.versionView(f, v, now))
	}
	out := struct {
		Versions   []functionOut `json:"Versions"`
		NextMarker *string       `json:"NextMarker,omitempty"`
	}{Versions: all[start:min(start+limit, len(all))]}
	if start+limit < len(all) {
		out.NextMarker = ptrTo(strconv.Itoa(start + limit))
	}
	return http.StatusOK, out, nil
}

func ptrTo[T any](v T) *T { return &v }

// qualified resolves the FunctionName and Qualifier of a GetFunction-like
// request: the function, the version it names (nil for $LATEST) and, for an
// alias, the alias's ARN.
func (s *Server) qualified(p lambdaParams) (f *lambdaFunction, v *lambdaVersion, aliasArn string, _ *apiError) {
	name, q, ok := parseFunctionName(p.name)
	if !ok {
		return nil, nil, "", functionNameError(p.name)
	}
	if qq := p.query.Get("Qualifier"); qq != "" {
		if q != "" && q != qq {
			return nil, nil, "", lambdaInvalid("The derived qualifier from the function name does not match the specified qualifier.")
		}
		q = qq
	}
	if q == "" || q == "$LATEST" {
		f, err := s.lookupFunction(name, "")
		return f, nil, "", err
	}
	notFound := lambdaNotFound("Function not found: " + s.functionArn(name, q))
	if f = s.functions[fnKey(s.account(), name)]; f == nil {
		return nil, nil, "", notFound
	}
	if a := f.aliases[q]; a != nil {
		return f, f.version(a.version), f.arn(s.Region) + ":" + a.name, nil
	}
	if v = f.version(q); v == nil {
		return nil, nil, "", notFound
	}
	return f, v, "", nil
}

// version is the published version of a number; nil for $LATEST or none.
func (f *lambdaFunction) version(number string) *lambdaVersion {
	for _, v := range f.versions {
		if v.number == number {
			return v
		}
	}
	return nil
}

// qualifiedView is the configuration a GetFunction-like request names.
func (s *Server) qualifiedView(p lambdaParams) (*lambdaFunction, functionOut, *apiError) {
	f, v, aliasArn, err := s.qualified(p)
	if err != nil {
		return nil, functionOut{}, err
	}
	now := time.Now()
	out := s.view(f, now)
	if v != nil {
		out = s.versionView(f, v, now)
	}
	if aliasArn != "" {
		out.FunctionArn = aliasArn
	}
	return f, out, nil
}

// deleteVersion deletes a published version, unless an alias routes to it.
func (s *Server) deleteVersion(f *lambdaFunction, number string) (int, any, *apiError) {
	v := f.version(number)
	if v == nil {
		return 0, nil, lambdaNotFound("Function not found: " + f.arn(s.Region) + ":" + number)
	}
	var using []string
	for _, a := range f.aliases {
		if _, weighted := a.weights[number]; a.version == number || weighted {
			using = append(using, a.name)
		}
	}
	if len(using) > 0 {
		sort.Strings(using)
		return 0, nil, lambdaConflict("Unable to delete version because the following aliases reference it: " + "[" + strings.Join(using, ", ") + "]")
	}
	f.versions = removeVersion(f.versions, v)
	return http.StatusNoContent, nil, nil
}

func removeVersion(vs []*lambdaVersion, v *lambdaVersion) []*lambdaVersion {
	out := vs[:0]
	for _, x := range vs {
		if x != v {
			out = append(out, x)
		}
	}
	return out
}

// aliasIn is CreateAlias's and UpdateAlias's request.
type aliasIn struct {
	Name, FunctionVersion, Description, RevisionId *string
	RoutingConfig                                  *struct {
		AdditionalVersionWeights map[string]float64
	}
}

// aliasOut is an AliasConfiguration as Lambda answers it.
type aliasOut struct {
	AliasArn        string `json:"AliasArn"`
	Name            string `json:"Name"`
	FunctionVersion string `json:"FunctionVersion"`
	Description     string `json:"Description"`
	RevisionId      string `json:"RevisionId"`
	RoutingConfig   *struct {
		AdditionalVersionWeights map[string]float64 `json:"AdditionalVersionWeights"`
	} `json:"RoutingConfig,omitempty"`
}

func (s *Server) aliasView(f *lambdaFunction, a *lambdaAlias) aliasOut {
	out := aliasOut{AliasArn: f.arn(s.Region) + ":" + a.name, Name: a.name, FunctionVersion: a.version, Description: a.description, RevisionId: a.rev}
	if len(a.weights) > 0 {
		out.RoutingConfig = &struct {
			AdditionalVersionWeights map[string]float64 `json:"AdditionalVersionWeights"`
		}{a.weights}
	}
	return out
}

// checkRouting checks an alias's version and weights as Lambda does.
func (s *Server) checkRouting(f *lambdaFunction, version string, weights map[string]float64) *apiError {
	if version != "$LATEST" && f.version(version) == nil {
		return lambdaNotFound("Function not found: " + f.arn(s.Region) + ":" + version)
	}
	if len(weights) > 1 {
		return lambdaInvalid("Number of items in AdditionalVersionWeights cannot be greater than 1")
	}
	for other, w := range weights {
		switch {
		case version == "$LATEST":
			return lambdaInvalid("$LATEST is not supported for an alias pointing to more than 1 version")
		case other == version:
			return lambdaInvalid("Alias cannot point to the same version twice")
		case f.version(other) == nil:
			return lambdaNotFound("Function not found: " + f.arn(s.Region) + ":" + other)
		case w < 0 || w > 1:
			return constraint(w, "routingConfig.additionalVersionWeights", "have value less than or equal to 1.0 and greater than or equal to 0.0")
		}
	}
	return nil
}

func (s *Server) createAlias(p lambdaParams, body []byte) (int, any, *apiError) {
	var in aliasIn
	if err := decode(body, &in); err != nil {
		return 0, nil, err
	}
	f, err := s.unqualified(p.name)
	if err != nil {
		return 0, nil, err
	}
	name, version := deref(in.Name), deref(in.FunctionVersion)
	if !aliasNameRe.MatchString(name) || isNumber(name) {
		return 0, nil, constraint(name, "name", "satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)")
	}
	if version == "" {
		return 0, nil, constraint(version, "functionVersion", "have length greater than or equal to 1")
	}
	if f.aliases[name] != nil {
		return 0, nil, lambdaConflict("Alias already exists: " + f.arn(s.Region) + ":" + name)
	}
	var weights map[string]float64
	if in.RoutingConfig != nil {
		weights = in.RoutingConfig.AdditionalVersionWeights
	}
	if err := s.checkRouting(f, version, weights); err != nil {
		return 0, nil, err
	}
	if f.aliases == nil {
		f.aliases = map[string]*lambdaAlias{}
	}
	a := &lambdaAlias{name: name, version: version, description: deref(in.Description), rev: newID(), weights: weights}
	f.aliases[name] = a
	return http.StatusCreated, s.aliasView(f, a), nil
}

// alias finds the alias of an alias operation's path.
func (s *Server) alias(p lambdaParams) (*lambdaFunction, *lambdaAlias, *apiError) {
	f, err := s.unqualified(p.name)
	if err != nil {
		return nil, nil, err
	}
	a := f.aliases[p.label]
	if a == nil {
		return nil, nil, lambdaNotFound("Alias not found: " + f.arn(s.Region) + ":" + p.label)
	}
	return f, a, nil
}

func (s *Server) getAlias(p lambdaParams, _ []byte) (int, any, *apiError) {
	f, a, err := s.alias(p)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, s.aliasView(f, a), nil
}

func (s *Server) updateAlias(p lambdaParams, body []byte) (int, any, *apiError) {
	var in aliasIn
	if err := decode(body, &in); err != nil {
		return 0, nil, err
	}
	f, a, err := s.alias(p)
	if err != nil {
		return 0, nil, err
	}
	if in.RevisionId != nil && *in.RevisionId != "" && *in.RevisionId != a.rev {
		return 0, nil, &apiError{http.StatusPreconditionFailed, "PreconditionFailedException",
			"The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id"}
	}
	version, weights := a.version, a.weights
	if in.FunctionVersion != nil {
		version = *in.FunctionVersion
	}
	if in.RoutingConfig != nil {
		weights = in.RoutingConfig.AdditionalVersionWeights
	}
	if err := s.checkRouting(f, version, weights); err != nil {
		return 0, nil, err
	}
	a.version, a.weights, a.rev = version, weights, newID()
	if in.Description != nil {
		a.description = *in.Description
	}
	return http.StatusOK, s.aliasView(f, a), nil
}

func (s *Server) deleteAlias(p lambdaParams, _ []byte) (int, any, *apiError) {
	f, err := s.unqualified(p.name)
	if err != nil {
		return 0, nil, err
	}
	delete(f.aliases, p.label) // Lambda answers 204 for an alias that is not there
	return http.StatusNoContent, nil, nil
}

func isNumber(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil
}

// Provisioned concurrency, as lambda-controller's Version and Alias read it
// after each create and update (GetProvisionedConcurrencyConfig with the
// version or alias as Qualifier; a "not found" is none): this server keeps
// none, so Get answers 404 ProvisionedConcurrencyConfigNotFoundException
// ("No Provisioned Concurrency Config found for this function", Lambda's
// message) for a function that exists, and so does Delete. Put is not
// offered: the operator never asks for provisioned concurrency.
func (s *Server) getProvisionedConcurrencyConfig(p lambdaParams, _ []byte) (int, any, *apiError) {
	if _, _, err := s.function(p.name, p.query.Get("Qualifier"), func(string) string { return resourceNotFoundMessage }); err != nil {
		return 0, nil, err
	}
	return 0, nil, &apiError{http.StatusNotFound, "ProvisionedConcurrencyConfigNotFoundException", "No Provisioned Concurrency Config found for this function"}
}

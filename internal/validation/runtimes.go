package validation

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// runtimesReviewed is the day the table below was last compared with the AWS
// Lambda Developer Guide page "Lambda runtimes" (its supported and deprecated
// runtime tables). A runtime whose "Block function create" date is on or
// before it is refused.
//
// The comparison is with this fixed day, not with the clock: Validate also
// runs in the controller on stacks that already exist, and a function created
// before a block date keeps working (and can be updated until the "Block
// function update" date). A clock-driven refusal would stall every such stack
// on the morning of the block date. Moving this day forward is a deliberate
// change, made together with a look at the AWS page.
const runtimesReviewed = "2026-11-29"

// lambdaRuntime is one managed runtime identifier and its lifecycle, as the
// AWS page lists it. createBlock is the "Block function create" date (empty:
// none announced); successor is what to move to.
type lambdaRuntime struct {
	createBlock string
	successor   string
}

// lambdaRuntimes are the identifiers of the CreateFunction Runtime enum, with
// the dates of the "Lambda runtimes" page (read 2026-08 through the copy that
// cfn-lint keeps of it, src/cfnlint/data/AdditionalSpecs/LmbdRuntimeLifecycle.json).
var lambdaRuntimes = map[string]lambdaRuntime{
	// OS-only runtimes (Go, Rust, custom runtimes).
	"provided.al2023": {"2029-07-31", ""},
	"provided.al2":    {"2027-02-01", "provided.al2023"},
	"provided":        {"2024-02-08", "provided.al2023"},
	"go1.x":           {"2024-02-08", "provided.al2023"},
	// Node.js.
	"nodejs24.x":     {"2028-06-01", ""},
	"nodejs22.x":     {"2027-06-01", "nodejs24.x"},
	"nodejs20.x":     {"2027-02-01", "nodejs24.x"},
	"nodejs18.x":     {"2027-02-01", "nodejs24.x"},
	"nodejs16.x":     {"2027-02-01", "nodejs24.x"},
	"nodejs14.x":     {"2024-01-09", "nodejs24.x"},
	"nodejs12.x":     {"2023-03-31", "nodejs24.x"},
	"nodejs10.x":     {"2021-07-30", "nodejs24.x"},
	"nodejs8.10":     {"2020-02-04", "nodejs24.x"},
	"nodejs6.10":     {"2019-07-12", "nodejs24.x"},
	"nodejs4.3":      {"2020-02-03", "nodejs24.x"},
	"nodejs4.3-edge": {"2019-03-31", "nodejs24.x"},
	"nodejs":         {"2016-09-30", "nodejs24.x"},
	// Python.
	"python3.14": {"2029-07-31", ""},
	"python3.13": {"2029-07-31", "python3.14"},
	"python3.12": {"2028-11-30", "python3.14"},
	"python3.11": {"2027-07-31", "python3.14"},
	"python3.10": {"2027-02-01", "python3.14"},
	"python3.9":  {"2027-02-01", "python3.14"},
	"python3.8":  {"2027-02-01", "python3.14"},
	"python3.7":  {"2024-01-09", "python3.14"},
	"python3.6":  {"2022-07-18", "python3.14"},
	"python2.7":  {"2021-07-15", "python3.14"},
	// Java.
	"java25":    {"2029-07-31", ""},
	"java21":    {"2029-07-31", "java25"},
	"java17":    {"2027-07-31", "java25"},
	"java11":    {"2027-07-31", "java25"},
	"java8.al2": {"2027-07-31", "java25"},
	"java8":     {"2024-02-08", "java25"},
	// .NET.
	"dotnet10":      {"2028-12-14", ""},
	"dotnet8":       {"2027-02-01", "dotnet10"},
	"dotnet6":       {"2027-02-01", "dotnet10"},
	"dotnetcore3.1": {"2023-04-03", "dotnet10"},
	"dotnetcore2.1": {"2022-01-05", "dotnet10"},
	"dotnetcore2.0": {"2019-04-30", "dotnet10"},
	"dotnetcore1.0": {"2019-06-30", "dotnet10"},
	// Ruby.
	"ruby4.0": {"2029-04-30", ""},
	"ruby3.4": {"2028-04-30", "ruby4.0"},
	"ruby3.3": {"2027-04-30", "ruby4.0"},
	"ruby3.2": {"2027-02-01", "ruby4.0"},
	"ruby2.7": {"2024-01-09", "ruby4.0"},
	"ruby2.5": {"2021-07-30", "ruby4.0"},
}

// imageOnlyRuntimes are .NET versions AWS publishes only as container base
// images: there is no managed runtime of that name for .zip code, and
// CreateFunction refuses it as a Runtime.
var imageOnlyRuntimes = map[string]bool{"dotnet5.0": true, "dotnet7": true, "dotnet9": true}

// runtimeFamily splits an identifier into its language and version, for the
// families AWS numbers regularly: nodejsN.x, python3.N, javaN, dotnetN, rubyN.M.
var runtimeFamily = regexp.MustCompile(`^(?:(nodejs)(\d+)\.x|(python)3\.(\d+)|(java)(\d+)|(dotnet)(\d+)|(ruby)(\d+)\.(\d+))$`)

// runtimeVersion returns the family and version of an identifier, if it has
// the shape of one.
func runtimeVersion(id string) (family string, version [2]int, ok bool) {
	m := runtimeFamily.FindStringSubmatch(id)
	if m == nil {
		return "", version, false
	}
	var nums []int
	for _, g := range m[1:] {
		if g == "" {
			continue
		}
		if n, err := strconv.Atoi(g); err == nil {
			nums = append(nums, n)
		} else {
			family = g
		}
	}
	copy(version[:], nums)
	return family, version, true
}

// newerThanKnown reports whether id is a version of a runtime family above
// every version the table knows, e.g. python3.15 or nodejs26.x: a runtime AWS
// may have added since the table was reviewed. Those are let through; Lambda
// judges them. A version below the newest known one (nodejs19.x) is not a
// runtime AWS skipped listing: it does not exist.
func newerThanKnown(id string) bool {
	family, version, ok := runtimeVersion(id)
	if !ok {
		return false
	}
	for known := range lambdaRuntimes {
		f, v, ok := runtimeVersion(known)
		if ok && f == family && (v[0] > version[0] || v[0] == version[0] && v[1] >= version[1]) {
			return false
		}
	}
	return true
}

// creatableRuntimes lists the runtimes a function can be created on, sorted.
func creatableRuntimes() []string {
	var out []string
	for id, r := range lambdaRuntimes {
		if !blocked(r) {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

func blocked(r lambdaRuntime) bool { return r.createBlock != "" && r.createBlock <= runtimesReviewed }

// lambdaRuntimeID checks the runtime of a function with .zip code: Lambda's
// CreateFunction takes only identifiers of its Runtime enum, and refuses those
// past their "Block function create" date ("The runtime parameter of go1.x is
// no longer supported for creating or updating AWS Lambda functions").
func (v *validator) lambdaRuntimeID(p *field.Path, id string) {
	if r, ok := lambdaRuntimes[id]; ok {
		if blocked(r) {
			v.errs = append(v.errs, field.Invalid(p, id, fmt.Sprintf(
				"AWS Lambda refuses to create functions on the deprecated runtime %s (blocked since %s); use %s", id, r.createBlock, r.successor)))
		}
		return
	}
	switch {
	case imageOnlyRuntimes[id]:
		v.errs = append(v.errs, field.Invalid(p, id,
			"AWS Lambda has no managed runtime "+id+" for .zip code (it is published as a container base image only): use code.imageURI, or a managed runtime"))
	case newerThanKnown(id):
		// A runtime newer than the table: Lambda decides.
	default:
		v.errs = append(v.errs, field.NotSupported(p, id, creatableRuntimes()))
	}
}

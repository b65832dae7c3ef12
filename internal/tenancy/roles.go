package tenancy

import (
	"regexp"
	"strings"
)

// RoleARN is an IAM role ARN taken apart as IAM resolves it:
// arn:PARTITION:iam::ACCOUNT:role/PATH/NAME. The role is its name in its
// account; the path is only a label (two roles of one account never share a
// name, whatever their paths), so a pattern is compared with the path and
// the name separately: role/team-a--* must not match role/team-a--x/evil,
// whose name is evil.
type RoleARN struct {
	Partition, Account string
	// Path is "/" or "/a/b/".
	Path string
	Name string
}

// roleARNPattern is IAM's: a path of printable ASCII between slashes, a name
// of [\w+=,.@-] up to 64 characters.
var roleARNPattern = regexp.MustCompile(`^arn:(aws[a-z-]*):iam::([0-9]{12}):role(/|/[\x21-\x7e]*/)([\w+=,.@-]{1,64})$`)

// ParseRoleARN takes a role ARN apart; false when it is not one.
func ParseRoleARN(s string) (RoleARN, bool) {
	m := roleARNPattern.FindStringSubmatch(s)
	if m == nil {
		return RoleARN{}, false
	}
	return RoleARN{Partition: m[1], Account: m[2], Path: m[3], Name: m[4]}, true
}

// MatchRole reports whether a role ARN matches a pattern, compared as IAM
// resolves the ARN. A pattern of the form HEAD:role/[PATH/]NAME matches the
// roles whose name matches NAME, whose path matches /PATH/ (only / when the
// pattern has none; * in the path spans levels) and whose
// arn:PARTITION:iam::ACCOUNT matches HEAD. Any other pattern (such as
// arn:aws:iam::111111111111:*, every role of the account at any path) is
// matched against the whole ARN. A value that is not a role ARN matches
// nothing.
func MatchRole(pattern, arn string) bool {
	r, ok := ParseRoleARN(arn)
	if !ok {
		return false
	}
	head, rest, shaped := strings.Cut(pattern, ":role/")
	if !shaped {
		return Match(pattern, arn)
	}
	path, name := "/", rest
	if i := strings.LastIndex(rest, "/"); i >= 0 {
		path, name = "/"+rest[:i+1], rest[i+1:]
	}
	return Match(head, "arn:"+r.Partition+":iam::"+r.Account) && Match(path, r.Path) && Match(name, r.Name)
}

// allowsRole reports whether a role ARN matches a pattern of the list (see
// MatchRole).
func (l Allowlist) allowsRole(arn, namespace string) bool {
	if !l.Restricted {
		return true
	}
	for _, p := range l.Patterns {
		if MatchRole(strings.ReplaceAll(p, "{namespace}", namespace), arn) {
			return true
		}
	}
	return false
}

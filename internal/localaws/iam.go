package localaws

// IAM (query protocol: a form-encoded POST / with Version=2010-05-08 and
// Action=<Operation>) plays the role operations that ACK's iam-controller
// v1.8.1 calls for its Role kind, as the IAM API Reference documents them:
//
//   - CreateRole, GetRole, UpdateRole (Description, MaxSessionDuration),
//     UpdateAssumeRolePolicy and DeleteRole;
//   - inline policies: PutRolePolicy, GetRolePolicy, DeleteRolePolicy and
//     ListRolePolicies;
//   - managed policies: AttachRolePolicy, DetachRolePolicy and
//     ListAttachedRolePolicies (with PathPrefix);
//   - tags: TagRole, UntagRole and ListRoleTags;
//   - PutRolePermissionsBoundary and DeleteRolePermissionsBoundary.
//
// Any other action answers 400 InvalidAction. Role names are unique per
// account regardless of case (CreateRole of "App" when "app" exists answers
// 409 EntityAlreadyExists), and every call finds a role by its name in any
// case, answering its own spelling. A role's Arn is
// arn:aws:iam::<account>:role<Path><RoleName>, its RoleId AROA and 17 random
// uppercase letters and digits, its CreateDate ISO 8601 (UTC, to the second),
// its Path "/" and its MaxSessionDuration 3600 unless given. As in IAM,
// CreateRole's answer carries neither MaxSessionDuration nor RoleLastUsed,
// GetRole's always carries RoleLastUsed (empty: the server does not record
// use), and the policy documents that IAM returns
// (AssumeRolePolicyDocument, GetRolePolicy's PolicyDocument) are the document
// exactly as it was given, URL-encoded as RFC 3986 says (every byte but
// A-Z a-z 0-9 - . _ ~ as %XX, a space as %20).
//
// Errors, with IAM's codes and HTTP statuses: 404 NoSuchEntity for a missing
// role, inline policy or attached policy; 409 EntityAlreadyExists; 409
// DeleteConflict for DeleteRole of a role that still has inline or attached
// policies; 400 MalformedPolicyDocument for a document that is not a JSON
// object, has an unknown element, a Version other than 2012-10-17 or
// 2008-10-17 (a missing Version is accepted: IAM takes 2008-10-17), no
// Statement, a statement without Effect (Allow or Deny) or Action/NotAction,
// an action without a vendor prefix, a Sid that is not alphanumeric or is
// repeated; a
// trust policy must name a Principal, may not name a Resource and may only
// grant sts: actions; an inline policy must name a Resource and may not name
// a Principal; 400 ValidationError for names outside [\w+=,.@-] (1-64
// characters for roles, 1-128 for policies), a Path other than / or /.../,
// a MaxSessionDuration outside 3600-43200, a Description over 1000
// characters and tag keys or values outside IAM's pattern; 400 InvalidInput
// for an ARN that is not a policy's, duplicate tag keys (compared regardless
// of case) and tag keys starting with aws:; 409 LimitExceeded beyond IAM's
// default quotas: 2048 characters of trust policy, 10240 characters of inline
// policies per role (whitespace not counted), 10 attached policies and 50 tags
// per role.
//
// Simplifications:
//
//   - Roles live in the account of the request (the server's AccountID, or
//     the one an AssumeRole of this server named), and there is one partition,
//     aws. There are no users, groups, instance profiles or managed policies:
//     AttachRolePolicy and PutRolePermissionsBoundary accept any well-formed
//     policy ARN (arn:aws:iam::aws|<account>:policy/...) without checking that
//     the policy exists, and DeleteRole does not look for instance profiles.
//   - IAM is eventually consistent; the server is not: a change is visible to
//     the next call, and a new role can be used at once.
//   - Trust policy principals are checked for form only (an ARN need not
//     exist), conditions for structure only.
//   - DeleteRolePermissionsBoundary of a role without one, UntagRole of a key
//     the role lacks and AttachRolePolicy of an attached policy succeed.
//     TagRole and UntagRole match keys regardless of case.
//   - Lists page with MaxItems (1-1000, default 100) and an opaque Marker that
//     is valid for this server only; inline policy names are listed sorted,
//     attached policies and tags in the order they were added.
//   - Messages follow IAM's wording but are not guaranteed to match it byte
//     for byte; a request with several invalid members names the first.
//
// Test controls: Role returns a snapshot of a role (its policies decoded),
// DeleteRoleOutOfBand removes one as someone outside would, and Resources
// lists the role ARNs.

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// iamOps are the IAM operations the server plays (query protocol).
var iamOps = map[string]func(*Server, url.Values) (any, *apiError){
	"CreateRole":                    (*Server).iamCreateRole,
	"GetRole":                       (*Server).iamGetRole,
	"UpdateRole":                    (*Server).iamUpdateRole,
	"UpdateAssumeRolePolicy":        (*Server).iamUpdateAssumeRolePolicy,
	"DeleteRole":                    (*Server).iamDeleteRole,
	"PutRolePolicy":                 (*Server).iamPutRolePolicy,
	"GetRolePolicy":                 (*Server).iamGetRolePolicy,
	"DeleteRolePolicy":              (*Server).iamDeleteRolePolicy,
	"ListRolePolicies":              (*Server).iamListRolePolicies,
	"AttachRolePolicy":              (*Server).iamAttachRolePolicy,
	"DetachRolePolicy":              (*Server).iamDetachRolePolicy,
	"ListAttachedRolePolicies":      (*Server).iamListAttachedRolePolicies,
	"TagRole":                       (*Server).iamTagRole,
	"UntagRole":                     (*Server).iamUntagRole,
	"ListRoleTags":                  (*Server).iamListRoleTags,
	"PutRolePermissionsBoundary":    (*Server).iamPutRolePermissionsBoundary,
	"DeleteRolePermissionsBoundary": (*Server).iamDeleteRolePermissionsBoundary,
}

// IAM's default quotas.
const (
	iamMaxTrustPolicy   = 2048  // ACLSizePerRole, non-whitespace characters
	iamMaxInlinePolicy  = 10240 // aggregate inline policy size per role
	iamMaxAttached      = 10    // PoliciesPerRole
	iamMaxTags          = 50
	iamDefaultSession   = 3600
	iamMaxSession       = 43200
	iamMaxDescription   = 1000
	iamMaxPolicyDocSize = 131072 // the policyDocument member's length
)

type iamState struct {
	// iamRoles are the roles by iamKey(account, name).
	iamRoles map[string]*iamRole
}

func newIAMState() iamState { return iamState{iamRoles: map[string]*iamRole{}} }

// iamRole is a role as the server holds it.
type iamRole struct {
	account, name, path, id string
	created                 time.Time
	made                    time.Time // created, to the nanosecond
	trust                   string    // the assume role policy, as given
	description             string
	maxSession              int
	boundary                string
	tags                    []iamTag
	inline                  map[string]string // documents as given, by policy name
	attached                []string          // policy ARNs, in attachment order
}

func (r *iamRole) arn() string {
	return "arn:aws:iam::" + r.account + ":role" + r.path + r.name
}

// iamKey keys a role: names are unique per account regardless of case.
func iamKey(account, name string) string { return account + "/" + strings.ToLower(name) }

// iamRoleExists tells whether a role ARN names a role that exists (call with
// s.mu held).
func (s *Server) iamRoleExists(arn string) bool {
	account, path, name, ok := iamParseRoleARN(arn)
	if !ok {
		return false
	}
	r := s.iamRoles[iamKey(account, name)]
	// IAM is eventually consistent: a role is assumable by a service only
	// some time after CreateRole (Delays.RolePropagation).
	return r != nil && r.path == path && time.Since(r.made) >= s.Delays.RolePropagation
}

// iamParseRoleARN splits arn:aws:iam::ACCOUNT:role/PATH/NAME.
func iamParseRoleARN(arn string) (account, path, name string, ok bool) {
	rest, found := strings.CutPrefix(arn, "arn:aws:iam::")
	if !found || len(rest) < 18 || !iamAccountRe.MatchString(rest[:12]) || rest[12:18] != ":role/" {
		return "", "", "", false
	}
	account, rest = rest[:12], rest[17:]
	i := strings.LastIndex(rest, "/")
	path, name = rest[:i+1], rest[i+1:]
	if !iamRoleNameRe.MatchString(name) || len(name) > 64 || !iamPathRe.MatchString(path) {
		return "", "", "", false
	}
	return account, path, name, true
}

// iamResources lists the ARNs of what exists (call with s.mu held).
func (s *Server) iamResources() []string {
	out := make([]string, 0, len(s.iamRoles))
	for _, r := range s.iamRoles {
		out = append(out, r.arn())
	}
	sort.Strings(out)
	return out
}

// Role is a snapshot of a role the fake IAM holds.
type Role struct {
	Name, Path, Arn, RoleID string
	CreateDate              time.Time
	// AssumeRolePolicy is the trust policy as given (decoded JSON text).
	AssumeRolePolicy string
	Description      string
	// MaxSessionDuration is in seconds.
	MaxSessionDuration int
	// PermissionsBoundary is the boundary policy's ARN, or "".
	PermissionsBoundary string
	// InlinePolicies are the documents as given, by policy name.
	InlinePolicies map[string]string
	// AttachedPolicies are the managed policy ARNs, in attachment order.
	AttachedPolicies []string
	Tags             map[string]string
}

// Role returns the role of that name (in any case) of the server's AccountID,
// or, given a role ARN, the role it names in its account.
func (s *Server) Role(nameOrARN string) (Role, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.iamLookup(nameOrARN)
	if r == nil {
		return Role{}, false
	}
	out := Role{
		Name: r.name, Path: r.path, Arn: r.arn(), RoleID: r.id, CreateDate: r.created,
		AssumeRolePolicy: r.trust, Description: r.description, MaxSessionDuration: r.maxSession,
		PermissionsBoundary: r.boundary, InlinePolicies: copyStrings(r.inline),
		AttachedPolicies: append([]string(nil), r.attached...), Tags: make(map[string]string, len(r.tags)),
	}
	for _, t := range r.tags {
		out.Tags[t.Key] = t.Value
	}
	return out, true
}

// DeleteRoleOutOfBand deletes a role (by name, of the server's AccountID, or
// by ARN) with its policies and tags, as someone outside the code under test
// would. It reports whether the role existed.
func (s *Server) DeleteRoleOutOfBand(nameOrARN string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.iamLookup(nameOrARN)
	if r == nil {
		return false
	}
	delete(s.iamRoles, iamKey(r.account, r.name))
	return true
}

// iamLookup finds a role by name (of the server's AccountID) or ARN.
func (s *Server) iamLookup(nameOrARN string) *iamRole {
	if strings.HasPrefix(nameOrARN, "arn:") {
		account, path, name, ok := iamParseRoleARN(nameOrARN)
		if r := s.iamRoles[iamKey(account, name)]; ok && r != nil && r.path == path {
			return r
		}
		return nil
	}
	return s.iamRoles[iamKey(s.AccountID, nameOrARN)]
}

// --- validation --------------------------------------------------------------

var (
	iamRoleNameRe    = regexp.MustCompile(`^[\w+=,.@-]+$`)
	iamPathRe        = regexp.MustCompile(`^(/|/[\x21-\x7E]+/)$`)
	iamDocCharsRe    = regexp.MustCompile(`^[\x{0009}\x{000A}\x{000D}\x{0020}-\x{00FF}]+$`)
	iamDescriptionRe = regexp.MustCompile(`^[\x{0009}\x{000A}\x{000D}\x{0020}-\x{007E}\x{00A1}-\x{00FF}]*$`)
	iamTagKeyRe      = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$`)
	iamTagValueRe    = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)
	iamPolicyARNRe   = regexp.MustCompile(`^arn:aws:iam::(aws|[0-9]{12}):policy(/|/[\x21-\x7E]*/)([\w+=,.@-]{1,128})$`)
	iamSidRe         = regexp.MustCompile(`^[0-9A-Za-z]*$`)
	iamAccountRe     = regexp.MustCompile(`^[0-9]{12}$`)
	iamActionRe      = regexp.MustCompile(`^([*]|[a-zA-Z0-9-]+:[^:\s]*)$`)
)

// iamErrorStatus is the HTTP status of IAM's error codes (IAM API Reference,
// Common Errors and each action's Errors); the others are 400.
var iamErrorStatus = map[string]int{
	"NoSuchEntity":           http.StatusNotFound,
	"EntityAlreadyExists":    http.StatusConflict,
	"DeleteConflict":         http.StatusConflict,
	"LimitExceeded":          http.StatusConflict,
	"ConcurrentModification": http.StatusConflict,
	"ServiceFailure":         http.StatusInternalServerError,
}

// iamError is an IAM error of that code, with its HTTP status.
func iamError(code, message string) *apiError {
	status, ok := iamErrorStatus[code]
	if !ok {
		status = http.StatusBadRequest
	}
	return &apiError{status, code, message}
}

func iamValidation(format string, args ...any) *apiError {
	return &apiError{http.StatusBadRequest, "ValidationError", "1 validation error detected: " + fmt.Sprintf(format, args...)}
}

func iamMalformed(message string) *apiError {
	return &apiError{http.StatusBadRequest, "MalformedPolicyDocument", message}
}

func iamInvalidInput(message string) *apiError {
	return &apiError{http.StatusBadRequest, "InvalidInput", message}
}

func iamLimit(message string) *apiError {
	return iamError("LimitExceeded", message)
}

func iamNoSuchEntity(message string) *apiError {
	return iamError("NoSuchEntity", message)
}

// iamRequired reads a required member: IAM answers ValidationError when it is
// absent.
func iamRequired(form url.Values, param, member string) (string, *apiError) {
	if !form.Has(param) {
		return "", iamValidation("Value null at '%s' failed to satisfy constraint: Member must not be null", member)
	}
	return form.Get(param), nil
}

// iamName reads and checks a name member ([\w+=,.@-]{1,max}).
func iamName(form url.Values, param, member string, maxLen int) (string, *apiError) {
	v, err := iamRequired(form, param, member)
	if err != nil {
		return "", err
	}
	n := utf8.RuneCountInString(v)
	switch {
	case n < 1:
		return "", iamValidation("Value '%s' at '%s' failed to satisfy constraint: Member must have length greater than or equal to 1", v, member)
	case n > maxLen:
		return "", iamValidation("Value '%s' at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", v, member, maxLen)
	case !iamRoleNameRe.MatchString(v):
		return "", iamValidation(`Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+`, v, member)
	}
	return v, nil
}

// iamRoleOf finds the role a request's RoleName names, in the caller's account.
func (s *Server) iamRoleOf(form url.Values) (*iamRole, *apiError) {
	name, err := iamName(form, "RoleName", "roleName", 64)
	if err != nil {
		return nil, err
	}
	r := s.iamRoles[iamKey(s.account(), name)]
	if r == nil {
		return nil, iamNoSuchEntity("The role with name " + name + " cannot be found.")
	}
	return r, nil
}

// iamRolePolicyOf finds the role of an inline policy operation and reads
// the PolicyName it names (the policy need not exist: PutRolePolicy makes
// it).
func (s *Server) iamRolePolicyOf(form url.Values) (*iamRole, string, *apiError) {
	r, err := s.iamRoleOf(form)
	if err != nil {
		return nil, "", err
	}
	name, err := iamName(form, "PolicyName", "policyName", 128)
	if err != nil {
		return nil, "", err
	}
	return r, name, nil
}

// iamInlinePolicyOf is iamRolePolicyOf for the operations that need the
// policy to exist (GetRolePolicy, DeleteRolePolicy); it returns its
// document too.
func (s *Server) iamInlinePolicyOf(form url.Values) (r *iamRole, name, doc string, _ *apiError) {
	r, name, err := s.iamRolePolicyOf(form)
	if err != nil {
		return nil, "", "", err
	}
	doc, ok := r.inline[name]
	if !ok {
		return nil, "", "", iamNoSuchEntity("The role policy with name " + name + " cannot be found.")
	}
	return r, name, doc, nil
}

// iamPolicyARNOf reads and checks a required managed policy ARN member
// (AttachRolePolicy's and DetachRolePolicy's PolicyArn,
// PutRolePermissionsBoundary's PermissionsBoundary).
func iamPolicyARNOf(form url.Values, param, member string) (string, *apiError) {
	arn, err := iamRequired(form, param, member)
	if err != nil {
		return "", err
	}
	if _, _, err := iamPolicyARN(arn, member); err != nil {
		return "", err
	}
	return arn, nil
}

// iamAttachmentOf finds the role of AttachRolePolicy or DetachRolePolicy
// and reads the managed policy ARN it names.
func (s *Server) iamAttachmentOf(form url.Values) (*iamRole, string, *apiError) {
	r, err := s.iamRoleOf(form)
	if err != nil {
		return nil, "", err
	}
	arn, err := iamPolicyARNOf(form, "PolicyArn", "policyArn")
	if err != nil {
		return nil, "", err
	}
	return r, arn, nil
}

func iamCheckPath(path string) *apiError {
	if len(path) > 512 {
		return iamValidation("Value '%s' at 'path' failed to satisfy constraint: Member must have length less than or equal to 512", path)
	}
	if !iamPathRe.MatchString(path) {
		return &apiError{http.StatusBadRequest, "ValidationError",
			"The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters."}
	}
	return nil
}

// iamSession reads MaxSessionDuration (3600 to 43200 seconds).
func iamSession(v string) (int, *apiError) {
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, iamValidation("Value '%s' at 'maxSessionDuration' failed to satisfy constraint: Member must be an integer", v)
	}
	if n < iamDefaultSession {
		return 0, iamValidation("Value '%d' at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to %d", n, iamDefaultSession)
	}
	if n > iamMaxSession {
		return 0, iamValidation("Value '%d' at 'maxSessionDuration' failed to satisfy constraint: Member must have value less than or equal to %d", n, iamMaxSession)
	}
	return n, nil
}

func iamCheckDescription(d string) *apiError {
	if utf8.RuneCountInString(d) > iamMaxDescription {
		return iamValidation("Value '%s' at 'description' failed to satisfy constraint: Member must have length less than or equal to %d", d, iamMaxDescription)
	}
	if !iamDescriptionRe.MatchString(d) {
		return iamValidation(`Value '%s' at 'description' failed to satisfy constraint: Member must satisfy regular expression pattern: [\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*`, d)
	}
	return nil
}

// iamPolicyARN checks a managed policy ARN (a permissions boundary's or an
// attached policy's) and returns the policy's path and name.
func iamPolicyARN(arn, member string) (path, name string, _ *apiError) {
	if n := len(arn); n < 20 || n > 2048 {
		return "", "", iamValidation("Value '%s' at '%s' failed to satisfy constraint: Member must have length between 20 and 2048", arn, member)
	}
	m := iamPolicyARNRe.FindStringSubmatch(arn)
	if m == nil {
		return "", "", iamInvalidInput("ARN " + arn + " is not valid.")
	}
	return m[2], m[3], nil
}

// iamCheckTrust checks a role's trust policy (CreateRole's
// AssumeRolePolicyDocument, UpdateAssumeRolePolicy's PolicyDocument): a
// valid document within IAM's ACLSizePerRole quota.
func iamCheckTrust(doc, member string) *apiError {
	size, err := iamCheckDocument(doc, member, iamTrustPolicy)
	if err != nil {
		return err
	}
	if size > iamMaxTrustPolicy {
		return iamLimit(fmt.Sprintf("Cannot exceed quota for ACLSizePerRole: %d", iamMaxTrustPolicy))
	}
	return nil
}

// iamPolicyKind is what a policy document is for.
type iamPolicyKind int

const (
	iamTrustPolicy    iamPolicyKind = iota // a role's assume role policy
	iamIdentityPolicy                      // an inline policy
)

// iamCheckDocument checks a policy document as IAM does. It returns the
// document's size as IAM counts it (without whitespace).
func iamCheckDocument(doc, member string, kind iamPolicyKind) (int, *apiError) {
	if len(doc) > iamMaxPolicyDocSize {
		return 0, iamValidation("Value at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", member, iamMaxPolicyDocSize)
	}
	if !iamDocCharsRe.MatchString(doc) {
		return 0, iamValidation(`Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: [\u0009\u000A\u000D\u0020-\u00FF]+`, doc, member)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal([]byte(doc), &top); err != nil || top == nil {
		return 0, iamMalformed("This policy contains invalid Json")
	}
	var compact bytes.Buffer
	_ = json.Compact(&compact, []byte(doc))
	syntax := iamMalformed("Syntax errors in policy.")
	for k := range top {
		if k != "Version" && k != "Id" && k != "Statement" {
			return 0, syntax
		}
	}
	if raw, ok := top["Version"]; ok {
		var v string
		if json.Unmarshal(raw, &v) != nil || (v != "2012-10-17" && v != "2008-10-17") {
			return 0, iamMalformed("The policy failed legacy parsing")
		}
	}
	raw, ok := top["Statement"]
	if !ok {
		return 0, iamMalformed("Missing required field Statement")
	}
	var statements []map[string]json.RawMessage
	if bytes.HasPrefix(bytes.TrimSpace(raw), []byte("[")) {
		if json.Unmarshal(raw, &statements) != nil {
			return 0, syntax
		}
	} else {
		var one map[string]json.RawMessage
		if json.Unmarshal(raw, &one) != nil || one == nil {
			return 0, syntax
		}
		statements = []map[string]json.RawMessage{one}
	}
	sids := map[string]bool{}
	for _, st := range statements {
		if st == nil {
			return 0, syntax
		}
		if err := iamCheckStatement(st, kind, sids); err != nil {
			return 0, err
		}
	}
	return compact.Len(), nil
}

var iamStatementKeys = map[string]bool{
	"Sid": true, "Effect": true, "Principal": true, "NotPrincipal": true, "Action": true, "NotAction": true,
	"Resource": true, "NotResource": true, "Condition": true,
}

func iamCheckStatement(st map[string]json.RawMessage, kind iamPolicyKind, sids map[string]bool) *apiError {
	syntax := iamMalformed("Syntax errors in policy.")
	for k := range st {
		if !iamStatementKeys[k] {
			return syntax
		}
	}
	if raw, ok := st["Sid"]; ok {
		var sid string
		if json.Unmarshal(raw, &sid) != nil {
			return syntax
		}
		if !iamSidRe.MatchString(sid) {
			return iamMalformed("Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*")
		}
		if sid != "" && sids[sid] {
			return iamMalformed("Statement IDs (SID) in a single policy must be unique.")
		}
		sids[sid] = true
	}
	raw, ok := st["Effect"]
	if !ok {
		return iamMalformed("Missing required field Effect")
	}
	var effect string
	if json.Unmarshal(raw, &effect) != nil || (effect != "Allow" && effect != "Deny") {
		return iamMalformed("Invalid effect: " + string(raw))
	}
	_, hasAction := st["Action"]
	_, hasNotAction := st["NotAction"]
	if hasAction && hasNotAction {
		return syntax
	}
	actions, err := iamStrings(st["Action"], st["NotAction"])
	if err != nil {
		return err
	}
	if len(actions) == 0 {
		return iamMalformed("Policy statement must contain actions.")
	}
	for _, a := range actions {
		if !iamActionRe.MatchString(a) {
			return iamMalformed("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.")
		}
	}
	_, hasResource := st["Resource"]
	_, hasNotResource := st["NotResource"]
	_, hasPrincipal := st["Principal"]
	_, hasNotPrincipal := st["NotPrincipal"]
	if (hasResource && hasNotResource) || (hasPrincipal && hasNotPrincipal) {
		return syntax
	}
	switch kind {
	case iamTrustPolicy:
		if hasResource || hasNotResource {
			return iamMalformed("Has prohibited field Resource")
		}
		if !hasPrincipal && !hasNotPrincipal {
			return iamMalformed("Missing required field Principal")
		}
		for _, a := range actions {
			if a != "*" && !strings.HasPrefix(strings.ToLower(a), "sts:") {
				return iamMalformed("AssumeRole policy may only specify STS AssumeRole actions.")
			}
		}
		p := st["Principal"]
		if hasNotPrincipal {
			p = st["NotPrincipal"]
		}
		if err := iamCheckPrincipal(p); err != nil {
			return err
		}
	case iamIdentityPolicy:
		if hasPrincipal || hasNotPrincipal {
			return iamMalformed("Policy document should not specify a principal.")
		}
		resources, err := iamStrings(st["Resource"], st["NotResource"])
		if err != nil {
			return err
		}
		if len(resources) == 0 {
			return iamMalformed("Policy statement must contain resources.")
		}
	}
	if raw, ok := st["Condition"]; ok {
		var cond map[string]map[string]json.RawMessage
		if json.Unmarshal(raw, &cond) != nil {
			return syntax
		}
	}
	return nil
}

// iamStrings reads the first present of a string-or-array-of-strings element.
func iamStrings(raws ...json.RawMessage) ([]string, *apiError) {
	for _, raw := range raws {
		if raw == nil {
			continue
		}
		if string(bytes.TrimSpace(raw)) == "null" {
			return nil, nil
		}
		var one string
		if json.Unmarshal(raw, &one) == nil {
			return []string{one}, nil
		}
		var many []string
		if json.Unmarshal(raw, &many) != nil {
			return nil, iamMalformed("Syntax errors in policy.")
		}
		return many, nil
	}
	return nil, nil
}

var iamPrincipalKeys = map[string]bool{"AWS": true, "Service": true, "Federated": true, "CanonicalUser": true}

// iamCheckPrincipal checks a trust policy's principal: "*" or an object of
// AWS, Service, Federated or CanonicalUser to a string or strings.
func iamCheckPrincipal(raw json.RawMessage) *apiError {
	var star string
	if json.Unmarshal(raw, &star) == nil {
		if star == "*" {
			return nil
		}
		return iamMalformed("Invalid principal in policy: " + string(raw))
	}
	var p map[string]json.RawMessage
	if json.Unmarshal(raw, &p) != nil || len(p) == 0 {
		return iamMalformed("Invalid principal in policy: " + string(raw))
	}
	for k, v := range p {
		values, err := iamStrings(v)
		if err != nil || !iamPrincipalKeys[k] || len(values) == 0 {
			return iamMalformed(fmt.Sprintf("Invalid principal in policy: %q:%s", k, v))
		}
		for _, value := range values {
			if value == "" {
				return iamMalformed(fmt.Sprintf("Invalid principal in policy: %q:%s", k, v))
			}
		}
	}
	return nil
}

// iamEncode URL-encodes a policy document as IAM returns it (RFC 3986: every
// byte but the unreserved characters as %XX).
func iamEncode(doc string) string {
	var b strings.Builder
	for i := 0; i < len(doc); i++ {
		c := doc[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// --- tags ----------------------------------------------------------------------

type iamTag struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

// iamTagsOf reads a list of tags (Tags.member.N.Key and .Value) and checks
// it: its pattern and length, at most 50, no key twice (regardless of case),
// none starting with aws:.
func iamTagsOf(form url.Values) ([]iamTag, *apiError) {
	var tags []iamTag
	seen := map[string]bool{}
	for i := 1; ; i++ {
		prefix := "Tags.member." + strconv.Itoa(i) + "."
		if !form.Has(prefix+"Key") && !form.Has(prefix+"Value") {
			break
		}
		t := iamTag{Key: form.Get(prefix + "Key"), Value: form.Get(prefix + "Value")}
		if !form.Has(prefix + "Key") {
			return nil, iamValidation("Value null at 'tags.%d.member.key' failed to satisfy constraint: Member must not be null", i)
		}
		if !form.Has(prefix + "Value") {
			return nil, iamValidation("Value null at 'tags.%d.member.value' failed to satisfy constraint: Member must not be null", i)
		}
		if err := iamCheckTagKey(t.Key, fmt.Sprintf("tags.%d.member.key", i)); err != nil {
			return nil, err
		}
		if utf8.RuneCountInString(t.Value) > 256 {
			return nil, iamValidation("Value '%s' at 'tags.%d.member.value' failed to satisfy constraint: Member must have length less than or equal to 256", t.Value, i)
		}
		if !iamTagValueRe.MatchString(t.Value) {
			return nil, iamValidation(`Value '%s' at 'tags.%d.member.value' failed to satisfy constraint: Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]*`, t.Value, i)
		}
		if strings.HasPrefix(strings.ToLower(t.Key), "aws:") {
			return nil, iamInvalidInput("User-created tag keys cannot start with the reserved prefix 'aws:'.")
		}
		if seen[strings.ToLower(t.Key)] {
			return nil, iamInvalidInput("Duplicate tag keys found. Please note that Tag keys are case insensitive.")
		}
		seen[strings.ToLower(t.Key)] = true
		tags = append(tags, t)
	}
	if len(tags) > iamMaxTags {
		return nil, iamValidation("Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to %d", iamMaxTags)
	}
	return tags, nil
}

func iamCheckTagKey(key, member string) *apiError {
	if n := utf8.RuneCountInString(key); n < 1 || n > 128 {
		return iamValidation("Value '%s' at '%s' failed to satisfy constraint: Member must have length between 1 and 128", key, member)
	}
	if !iamTagKeyRe.MatchString(key) {
		return iamValidation(`Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+`, key, member)
	}
	return nil
}

// iamMergeTags adds tags to a role's, replacing the value of a key it has
// (regardless of case).
func iamMergeTags(have, add []iamTag) []iamTag {
	out := append([]iamTag(nil), have...)
next:
	for _, t := range add {
		for i := range out {
			if strings.EqualFold(out[i].Key, t.Key) {
				out[i] = t
				continue next
			}
		}
		out = append(out, t)
	}
	return out
}

// --- paging ----------------------------------------------------------------------

// iamPage cuts one page of n items from a request's Marker and MaxItems:
// items [from, to) and the Marker of the next page, "" for the last.
func iamPage(form url.Values, n int) (from, to int, next string, _ *apiError) {
	limit := 100
	if form.Has("MaxItems") {
		v, err := strconv.Atoi(form.Get("MaxItems"))
		if err != nil || v < 1 || v > 1000 {
			return 0, 0, "", iamValidation("Value '%s' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 1000", form.Get("MaxItems"))
		}
		limit = v
	}
	if form.Has("Marker") {
		b, err := base64.RawURLEncoding.DecodeString(form.Get("Marker"))
		i, err2 := strconv.Atoi(strings.TrimPrefix(string(b), "iam:"))
		if err != nil || err2 != nil || !strings.HasPrefix(string(b), "iam:") || i < 0 {
			return 0, 0, "", &apiError{http.StatusBadRequest, "ValidationError", "Invalid Marker."}
		}
		from = i
	}
	from = min(from, n)
	to = min(from+limit, n)
	if to < n {
		next = base64.RawURLEncoding.EncodeToString([]byte("iam:" + strconv.Itoa(to)))
	}
	return from, to, next, nil
}

// --- output shapes -----------------------------------------------------------------

type iamRoleXML struct {
	Path                     string              `xml:"Path"`
	RoleName                 string              `xml:"RoleName"`
	RoleID                   string              `xml:"RoleId"`
	Arn                      string              `xml:"Arn"`
	CreateDate               string              `xml:"CreateDate"`
	AssumeRolePolicyDocument string              `xml:"AssumeRolePolicyDocument,omitempty"`
	Description              string              `xml:"Description,omitempty"`
	MaxSessionDuration       int                 `xml:"MaxSessionDuration,omitempty"`
	PermissionsBoundary      *iamBoundaryXML     `xml:"PermissionsBoundary,omitempty"`
	Tags                     []iamTag            `xml:"Tags>member,omitempty"`
	RoleLastUsed             *iamRoleLastUsedXML `xml:"RoleLastUsed,omitempty"`
}

type iamBoundaryXML struct {
	Type string `xml:"PermissionsBoundaryType"`
	Arn  string `xml:"PermissionsBoundaryArn"`
}

// iamRoleLastUsedXML is empty: the server does not record use.
type iamRoleLastUsedXML struct {
	LastUsedDate string `xml:"LastUsedDate,omitempty"`
	Region       string `xml:"Region,omitempty"`
}

type iamRoleResult struct {
	Role iamRoleXML `xml:"Role"`
}

// iamXML renders a role as GetRole answers it (CreateRole answers it without
// MaxSessionDuration and RoleLastUsed).
func (r *iamRole) iamXML() iamRoleXML {
	out := iamRoleXML{
		Path: r.path, RoleName: r.name, RoleID: r.id, Arn: r.arn(),
		CreateDate:               r.created.Format(time.RFC3339),
		AssumeRolePolicyDocument: iamEncode(r.trust),
		Description:              r.description,
		MaxSessionDuration:       r.maxSession,
		Tags:                     r.tags,
		RoleLastUsed:             &iamRoleLastUsedXML{},
	}
	if r.boundary != "" {
		out.PermissionsBoundary = &iamBoundaryXML{Type: "PermissionsBoundaryPolicy", Arn: r.boundary}
	}
	return out
}

type iamGetRolePolicyResult struct {
	RoleName       string `xml:"RoleName"`
	PolicyName     string `xml:"PolicyName"`
	PolicyDocument string `xml:"PolicyDocument"`
}

type iamListRolePoliciesResult struct {
	PolicyNames []string `xml:"PolicyNames>member"`
	IsTruncated bool     `xml:"IsTruncated"`
	Marker      string   `xml:"Marker,omitempty"`
}

type iamAttachedPolicyXML struct {
	PolicyName string `xml:"PolicyName"`
	PolicyArn  string `xml:"PolicyArn"`
}

type iamListAttachedRolePoliciesResult struct {
	AttachedPolicies []iamAttachedPolicyXML `xml:"AttachedPolicies>member"`
	IsTruncated      bool                   `xml:"IsTruncated"`
	Marker           string                 `xml:"Marker,omitempty"`
}

type iamListRoleTagsResult struct {
	Tags        []iamTag `xml:"Tags>member"`
	IsTruncated bool     `xml:"IsTruncated"`
	Marker      string   `xml:"Marker,omitempty"`
}

// --- operations ------------------------------------------------------------------

// iamNewRoleID returns AROA and 17 random uppercase letters and digits.
func iamNewRoleID() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	var b [17]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return "AROA" + string(b[:])
}

func (s *Server) iamCreateRole(form url.Values) (any, *apiError) {
	name, err := iamName(form, "RoleName", "roleName", 64)
	if err != nil {
		return nil, err
	}
	trust, err := iamRequired(form, "AssumeRolePolicyDocument", "assumeRolePolicyDocument")
	if err != nil {
		return nil, err
	}
	r := &iamRole{account: s.account(), name: name, path: "/", maxSession: iamDefaultSession,
		created: time.Now().UTC().Truncate(time.Second), made: time.Now(), inline: map[string]string{}}
	if form.Has("Path") {
		r.path = form.Get("Path")
		if err := iamCheckPath(r.path); err != nil {
			return nil, err
		}
	}
	if form.Has("Description") {
		r.description = form.Get("Description")
		if err := iamCheckDescription(r.description); err != nil {
			return nil, err
		}
	}
	if form.Has("MaxSessionDuration") {
		if r.maxSession, err = iamSession(form.Get("MaxSessionDuration")); err != nil {
			return nil, err
		}
	}
	if form.Has("PermissionsBoundary") {
		r.boundary = form.Get("PermissionsBoundary")
		if _, _, err := iamPolicyARN(r.boundary, "permissionsBoundary"); err != nil {
			return nil, err
		}
	}
	if r.tags, err = iamTagsOf(form); err != nil {
		return nil, err
	}
	if err := iamCheckTrust(trust, "assumeRolePolicyDocument"); err != nil {
		return nil, err
	}
	r.trust = trust
	key := iamKey(r.account, name)
	if s.iamRoles[key] != nil {
		return nil, iamError("EntityAlreadyExists", "Role with name "+name+" already exists.")
	}
	r.id = iamNewRoleID()
	s.iamRoles[key] = r
	out := r.iamXML()
	out.MaxSessionDuration, out.RoleLastUsed = 0, nil
	return iamRoleResult{out}, nil
}

func (s *Server) iamGetRole(form url.Values) (any, *apiError) {
	r, err := s.iamRoleOf(form)
	if err != nil {
		return nil, err
	}
	return iamRoleResult{r.iamXML()}, nil
}

func (s *Server) iamUpdateRole(form url.Values) (any, *apiError) {
	r, err := s.iamRoleOf(form)
	if err != nil {
		return nil, err
	}
	description, session := r.description, r.maxSession
	if form.Has("Description") {
		description = form.Get("Description")
		if err := iamCheckDescription(description); err != nil {
			return nil, err
		}
	}
	if form.Has("MaxSessionDuration") {
		if session, err = iamSession(form.Get("MaxSessionDuration")); err != nil {
			return nil, err
		}
	}
	r.description, r.maxSession = description, session
	return struct{}{}, nil
}

func (s *Server) iamUpdateAssumeRolePolicy(form url.Values) (any, *apiError) {
	r, err := s.iamRoleOf(form)
	if err != nil {
		return nil, err
	}
	doc, err := iamRequired(form, "PolicyDocument", "policyDocument")
	if err != nil {
		return nil, err
	}
	if err := iamCheckTrust(doc, "policyDocument"); err != nil {
		return nil, err
	}
	r.trust = doc
	return nil, nil
}

func (s *Server) iamDeleteRole(form url.Values) (any, *apiError) {
	r, err := s.iamRoleOf(form)
	if err != nil {
		return nil, err
	}
	if len(r.inline) > 0 {
		return nil, iamError("DeleteConflict", "Cannot delete entity, must delete policies first.")
	}
	if len(r.attached) > 0 {
		return nil, iamError("DeleteConflict", "Cannot delete entity, must detach all policies first.")
	}
	delete(s.iamRoles, iamKey(r.account, r.name))
	return nil, nil
}

func (s *Server) iamPutRolePolicy(form url.Values) (any, *apiError) {
	r, name, err := s.iamRolePolicyOf(form)
	if err != nil {
		return nil, err
	}
	doc, err := iamRequired(form, "PolicyDocument", "policyDocument")
	if err != nil {
		return nil, err
	}
	size, err := iamCheckDocument(doc, "policyDocument", iamIdentityPolicy)
	if err != nil {
		return nil, err
	}
	for other, d := range r.inline {
		if other != name {
			size += iamDocSize(d)
		}
	}
	if size > iamMaxInlinePolicy {
		return nil, iamLimit(fmt.Sprintf("Maximum policy size of %d bytes exceeded for role %s", iamMaxInlinePolicy, r.name))
	}
	r.inline[name] = doc
	return nil, nil
}

// iamDocSize is a stored document's size as IAM counts it.
func iamDocSize(doc string) int {
	var b bytes.Buffer
	if json.Compact(&b, []byte(doc)) != nil {
		return len(doc)
	}
	return b.Len()
}

func (s *Server) iamGetRolePolicy(form url.Values) (any, *apiError) {
	r, name, doc, err := s.iamInlinePolicyOf(form)
	if err != nil {
		return nil, err
	}
	return iamGetRolePolicyResult{RoleName: r.name, PolicyName: name, PolicyDocument: iamEncode(doc)}, nil
}

func (s *Server) iamDeleteRolePolicy(form url.Values) (any, *apiError) {
	r, name, _, err := s.iamInlinePolicyOf(form)
	if err != nil {
		return nil, err
	}
	delete(r.inline, name)
	return nil, nil
}

func (s *Server) iamListRolePolicies(form url.Values) (any, *apiError) {
	r, err := s.iamRoleOf(form)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(r.inline))
	for name := range r.inline {
		names = append(names, name)
	}
	sort.Strings(names)
	from, to, next, err := iamPage(form, len(names))
	if err != nil {
		return nil, err
	}
	return iamListRolePoliciesResult{PolicyNames: names[from:to], IsTruncated: next != "", Marker: next}, nil
}

func (s *Server) iamAttachRolePolicy(form url.Values) (any, *apiError) {
	r, arn, err := s.iamAttachmentOf(form)
	if err != nil {
		return nil, err
	}
	for _, a := range r.attached {
		if a == arn {
			return nil, nil
		}
	}
	if len(r.attached) >= iamMaxAttached {
		return nil, iamLimit(fmt.Sprintf("Cannot exceed quota for PoliciesPerRole: %d", iamMaxAttached))
	}
	r.attached = append(r.attached, arn)
	return nil, nil
}

func (s *Server) iamDetachRolePolicy(form url.Values) (any, *apiError) {
	r, arn, err := s.iamAttachmentOf(form)
	if err != nil {
		return nil, err
	}
	for i, a := range r.attached {
		if a == arn {
			r.attached = append(r.attached[:i:i], r.attached[i+1:]...)
			return nil, nil
		}
	}
	return nil, iamNoSuchEntity("Policy " + arn + " was not found.")
}

func (s *Server) iamListAttachedRolePolicies(form url.Values) (any, *apiError) {
	r, err := s.iamRoleOf(form)
	if err != nil {
		return nil, err
	}
	prefix := form.Get("PathPrefix")
	if prefix != "" && !strings.HasPrefix(prefix, "/") {
		return nil, iamValidation(`Value '%s' at 'pathPrefix' failed to satisfy constraint: Member must satisfy regular expression pattern: ((/[A-Za-z0-9\.,\+@=_-]+)*)/`, prefix)
	}
	var all []iamAttachedPolicyXML
	for _, arn := range r.attached {
		path, name, _ := iamPolicyARN(arn, "policyArn")
		if strings.HasPrefix(path, prefix) {
			all = append(all, iamAttachedPolicyXML{PolicyName: name, PolicyArn: arn})
		}
	}
	from, to, next, err := iamPage(form, len(all))
	if err != nil {
		return nil, err
	}
	return iamListAttachedRolePoliciesResult{AttachedPolicies: all[from:to], IsTruncated: next != "", Marker: next}, nil
}

func (s *Server) iamTagRole(form url.Values) (any, *apiError) {
	r, err := s.iamRoleOf(form)
	if err != nil {
		return nil, err
	}
	if !form.Has("Tags") && !form.Has("Tags.member.1.Key") {
		return nil, iamValidation("Value null at 'tags' failed to satisfy constraint: Member must not be null")
	}
	tags, err := iamTagsOf(form)
	if err != nil {
		return nil, err
	}
	merged := iamMergeTags(r.tags, tags)
	if len(merged) > iamMaxTags {
		return nil, iamLimit(fmt.Sprintf("The number of tags has reached the maximum limit of %d.", iamMaxTags))
	}
	r.tags = merged
	return nil, nil
}

func (s *Server) iamUntagRole(form url.Values) (any, *apiError) {
	r, err := s.iamRoleOf(form)
	if err != nil {
		return nil, err
	}
	var keys []string
	for i := 1; form.Has("TagKeys.member." + strconv.Itoa(i)); i++ {
		k := form.Get("TagKeys.member." + strconv.Itoa(i))
		if err := iamCheckTagKey(k, fmt.Sprintf("tagKeys.%d.member", i)); err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	if len(keys) > iamMaxTags {
		return nil, iamValidation("Value at 'tagKeys' failed to satisfy constraint: Member must have length less than or equal to %d", iamMaxTags)
	}
	kept := r.tags[:0:0]
	for _, t := range r.tags {
		remove := false
		for _, k := range keys {
			remove = remove || strings.EqualFold(k, t.Key)
		}
		if !remove {
			kept = append(kept, t)
		}
	}
	r.tags = kept
	return nil, nil
}

func (s *Server) iamListRoleTags(form url.Values) (any, *apiError) {
	r, err := s.iamRoleOf(form)
	if err != nil {
		return nil, err
	}
	from, to, next, err := iamPage(form, len(r.tags))
	if err != nil {
		return nil, err
	}
	return iamListRoleTagsResult{Tags: append([]iamTag{}, r.tags[from:to]...), IsTruncated: next != "", Marker: next}, nil
}

func (s *Server) iamPutRolePermissionsBoundary(form url.Values) (any, *apiError) {
	r, err := s.iamRoleOf(form)
	if err != nil {
		return nil, err
	}
	arn, err := iamPolicyARNOf(form, "PermissionsBoundary", "permissionsBoundary")
	if err != nil {
		return nil, err
	}
	r.boundary = arn
	return nil, nil
}

func (s *Server) iamDeleteRolePermissionsBoundary(form url.Values) (any, *apiError) {
	r, err := s.iamRoleOf(form)
	if err != nil {
		return nil, err
	}
	r.boundary = ""
	return nil, nil
}

package localaws

import (
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// routeSTS names an STS request's operation (query protocol: a form-encoded
// POST with Action) and returns its handler, to be called with s.mu held.
func (s *Server) routeSTS(r *http.Request) (string, func([]byte) (int, any, *apiError)) {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBody))
	form, perr := url.ParseQuery(string(body))
	action := form.Get("Action")
	switch {
	case err != nil || perr != nil:
	case action == "GetCallerIdentity":
		return action, func([]byte) (int, any, *apiError) {
			acct := s.account()
			return http.StatusOK, getCallerIdentityResponse{
				Result: callerIdentity{Account: acct, Arn: "arn:aws:iam::" + acct + ":user/test", UserID: "AIDATESTUSER"},
				ID:     newID(),
			}, nil
		}
	case action == "AssumeRole":
		return action, func([]byte) (int, any, *apiError) {
			return s.assumeRole(form.Get("RoleArn"), form.Get("RoleSessionName"))
		}
	}
	return action, func([]byte) (int, any, *apiError) {
		return 0, nil, &apiError{http.StatusBadRequest, "InvalidAction", "Could not find operation " + action}
	}
}

// roleARNRe is an IAM role ARN, its account captured.
var roleARNRe = regexp.MustCompile(`^arn:aws[a-z-]*:iam::([0-9]{12}):role/[\w+=,.@/-]+$`)

// assumeRole answers credentials of the role's account: their access key id
// names it (ASIA<account>FAKE), so that every call made with them is
// counted in that account (CallsByAccount), and GetCallerIdentity answers it.
func (s *Server) assumeRole(roleARN, session string) (int, any, *apiError) {
	m := roleARNRe.FindStringSubmatch(roleARN)
	if m == nil {
		return 0, nil, &apiError{http.StatusBadRequest, "ValidationError", "1 validation error detected: Value '" + roleARN + "' at 'roleArn' failed to satisfy constraint"}
	}
	if s.deniedRoles[roleARN] {
		return 0, nil, &apiError{http.StatusForbidden, "AccessDenied", "User is not authorized to perform: sts:AssumeRole on resource: " + roleARN}
	}
	s.assumedRoles = append(s.assumedRoles, roleARN)
	return http.StatusOK, assumeRoleResponse{Result: assumeRoleResult{
		Credentials: stsCredentials{AccessKeyID: "ASIA" + m[1] + "FAKE", SecretAccessKey: "secret", SessionToken: "token",
			Expiration: time.Now().Add(time.Hour).UTC().Format(time.RFC3339)},
		User: assumedRoleUser{Arn: "arn:aws:sts::" + m[1] + ":assumed-role/" + roleARN[strings.LastIndex(roleARN, "/")+1:] + "/" + session, ID: "AROATEST:" + session},
	}, ID: newID()}, nil
}

type assumeRoleResponse struct {
	XMLName xml.Name         `xml:"https://sts.amazonaws.com/doc/2011-06-15/ AssumeRoleResponse"`
	Result  assumeRoleResult `xml:"AssumeRoleResult"`
	ID      string           `xml:"ResponseMetadata>RequestId"`
}

type assumeRoleResult struct {
	Credentials stsCredentials  `xml:"Credentials"`
	User        assumedRoleUser `xml:"AssumedRoleUser"`
}

type stsCredentials struct {
	AccessKeyID     string `xml:"AccessKeyId"`
	SecretAccessKey string `xml:"SecretAccessKey"`
	SessionToken    string `xml:"SessionToken"`
	Expiration      string `xml:"Expiration"`
}

type assumedRoleUser struct {
	Arn string `xml:"Arn"`
	ID  string `xml:"AssumedRoleId"`
}

// accessKeyRe finds the access key id in a SigV4 Authorization header.
var accessKeyRe = regexp.MustCompile(`Credential=([A-Z0-9]+)/`)

// callerAccount is the account a request's credentials are in: the one an
// AssumeRole of this server named, else the server's AccountID.
func (s *Server) callerAccount(r *http.Request) string {
	m := accessKeyRe.FindStringSubmatch(r.Header.Get("Authorization"))
	if m != nil && len(m[1]) == 20 && strings.HasPrefix(m[1], "ASIA") && strings.HasSuffix(m[1], "FAKE") {
		return m[1][4:16]
	}
	return s.AccountID
}

// account is the account of the request being answered (call with s.mu held).
func (s *Server) account() string {
	if s.caller != "" {
		return s.caller
	}
	return s.AccountID
}

// CallsByAccount returns the requests received so far, by the account their
// credentials are in, then by service:operation.
func (s *Server) CallsByAccount() map[string]map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]map[string]int{}
	for acct, calls := range s.callsByAccount {
		out[acct] = map[string]int{}
		for op, n := range calls {
			out[acct][op] = n
		}
	}
	return out
}

// AssumedRoles lists the roles AssumeRole gave credentials for, in order.
func (s *Server) AssumedRoles() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.assumedRoles...)
}

// DenyAssumeRole makes AssumeRole of a role answer AccessDenied.
func (s *Server) DenyAssumeRole(roleARN string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deniedRoles[roleARN] = true
}

type getCallerIdentityResponse struct {
	XMLName xml.Name       `xml:"https://sts.amazonaws.com/doc/2011-06-15/ GetCallerIdentityResponse"`
	Result  callerIdentity `xml:"GetCallerIdentityResult"`
	ID      string         `xml:"ResponseMetadata>RequestId"`
}

type callerIdentity struct {
	Arn     string `xml:"Arn"`
	UserID  string `xml:"UserId"`
	Account string `xml:"Account"`
}

// stsError is STS's error document.
type stsError struct {
	XMLName xml.Name `xml:"https://sts.amazonaws.com/doc/2011-06-15/ ErrorResponse"`
	Type    string   `xml:"Error>Type"`
	Code    string   `xml:"Error>Code"`
	Message string   `xml:"Error>Message"`
	ID      string   `xml:"RequestId"`
}

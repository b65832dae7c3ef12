package localaws

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// stsOps are the STS operations the server plays.
var stsOps = map[string]func(*Server, url.Values) (any, *apiError){
	"GetCallerIdentity": func(s *Server, _ url.Values) (any, *apiError) {
		acct := s.account()
		return callerIdentity{Account: acct, Arn: "arn:aws:iam::" + acct + ":user/test", UserID: "AIDATESTUSER"}, nil
	},
	"AssumeRole": func(s *Server, form url.Values) (any, *apiError) {
		return s.assumeRole(form.Get("RoleArn"), form.Get("RoleSessionName"))
	},
}

// roleARNRe is an IAM role ARN, its account captured.
var roleARNRe = regexp.MustCompile(`^arn:aws[a-z-]*:iam::([0-9]{12}):role/[\w+=,.@/-]+$`)

// assumeRole answers credentials of the role's account: their access key id
// names it (ASIA<account>FAKE), so that every call made with them is
// counted in that account (CallsByAccount), and GetCallerIdentity answers it.
func (s *Server) assumeRole(roleARN, session string) (any, *apiError) {
	m := roleARNRe.FindStringSubmatch(roleARN)
	if m == nil {
		return nil, &apiError{http.StatusBadRequest, "ValidationError", "1 validation error detected: Value '" + roleARN + "' at 'roleArn' failed to satisfy constraint"}
	}
	if s.deniedRoles[roleARN] {
		return nil, &apiError{http.StatusForbidden, "AccessDenied", "User is not authorized to perform: sts:AssumeRole on resource: " + roleARN}
	}
	s.assumedRoles = append(s.assumedRoles, roleARN)
	return assumeRoleResult{
		Credentials: stsCredentials{AccessKeyID: "ASIA" + m[1] + "FAKE", SecretAccessKey: "secret", SessionToken: "token",
			Expiration: time.Now().Add(time.Hour).UTC().Format(time.RFC3339)},
		User: assumedRoleUser{Arn: "arn:aws:sts::" + m[1] + ":assumed-role/" + roleARN[strings.LastIndex(roleARN, "/")+1:] + "/" + session, ID: "AROATEST:" + session},
	}, nil
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
	return copyCounts(s.callsByAccount)
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

type callerIdentity struct {
	Arn     string `xml:"Arn"`
	UserID  string `xml:"UserId"`
	Account string `xml:"Account"`
}

package fakeaws

import (
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
)

// routeSTS names an STS request's operation (query protocol: a form-encoded
// POST with Action) and returns its handler, to be called with s.mu held.
func (s *Server) routeSTS(r *http.Request) (string, func([]byte) (int, any, *apiError)) {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBody))
	form, perr := url.ParseQuery(string(body))
	action := form.Get("Action")
	if err != nil || perr != nil || action != "GetCallerIdentity" {
		return action, func([]byte) (int, any, *apiError) {
			return 0, nil, &apiError{http.StatusBadRequest, "InvalidAction", "Could not find operation " + action}
		}
	}
	return action, func([]byte) (int, any, *apiError) {
		return http.StatusOK, getCallerIdentityResponse{
			Result: callerIdentity{Account: s.AccountID, Arn: "arn:aws:iam::" + s.AccountID + ":user/test", UserID: "AIDATESTUSER"},
			ID:     newID(),
		}, nil
	}
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

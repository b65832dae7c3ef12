package localaws

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// iamTrust is a role trust policy as the operator renders it.
const iamTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":["sts:AssumeRole"]}]}`

// iamInline is an inline policy as the operator renders it.
const iamInline = `{"Version":"2012-10-17","Statement":[{"Sid":"Logs","Effect":"Allow","Action":["logs:CreateLogStream","logs:PutLogEvents"],"Resource":["*"]}]}`

// iamStart starts a server and returns it with an IAM client of the given
// access key (AKID for the server's account).
func iamStart(t *testing.T) (*Server, *iam.Client) {
	t.Helper()
	s := New()
	s.Delays.RolePropagation = 0 // TestIAMRolePropagation has its own
	return s, iamClientFor(startServer(t, s), "AKID")
}

func iamClientFor(u, accessKey string) *iam.Client {
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(accessKey, "SECRET", "")}
	return iam.NewFromConfig(cfg, func(o *iam.Options) { o.BaseEndpoint = aws.String(u) })
}

func iamCtx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

// iamWant checks that err is an API error of that code and HTTP status and,
// if target is not nil, that errors.As finds the SDK's typed error in it.
func iamWant(t *testing.T, err error, code string, status int, target any) {
	t.Helper()
	wantCode(t, err, code, status)
	if target != nil && !errors.As(err, target) {
		t.Fatalf("want %T, got %T (%v)", target, err, err)
	}
}

func iamCreate(t *testing.T, c *iam.Client, name string) *iamtypes.Role {
	t.Helper()
	out, err := c.CreateRole(iamCtx(t), &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(iamTrust)})
	if err != nil {
		t.Fatalf("CreateRole %s: %v", name, err)
	}
	return out.Role
}

func iamGet(t *testing.T, c *iam.Client, name string) *iamtypes.Role {
	t.Helper()
	out, err := c.GetRole(iamCtx(t), &iam.GetRoleInput{RoleName: aws.String(name)})
	if err != nil {
		t.Fatalf("GetRole %s: %v", name, err)
	}
	return out.Role
}

func iamDecode(t *testing.T, s *string) string {
	t.Helper()
	if s == nil {
		t.Fatal("no policy document")
	}
	// As ACK's iam-controller decodes (hooks.go decodeDocument).
	d, err := url.QueryUnescape(*s)
	if err != nil {
		t.Fatalf("decode %q: %v", *s, err)
	}
	return d
}

func TestIAMRoleLifecycle(t *testing.T) {
	s, c := iamStart(t)
	ctx := iamCtx(t)
	before := time.Now().UTC().Add(-time.Second)
	out, err := c.CreateRole(ctx, &iam.CreateRoleInput{
		RoleName: aws.String("app-fn"), AssumeRolePolicyDocument: aws.String(iamTrust),
		Description: aws.String("Role of Lambda function app"),
		Tags:        []iamtypes.Tag{{Key: aws.String("team"), Value: aws.String("a")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := out.Role
	if aws.ToString(r.Arn) != "arn:aws:iam::123456789012:role/app-fn" || aws.ToString(r.RoleName) != "app-fn" || aws.ToString(r.Path) != "/" {
		t.Fatalf("role = %+v", r)
	}
	if !regexp.MustCompile(`^AROA[A-Z0-9]{17}$`).MatchString(aws.ToString(r.RoleId)) {
		t.Fatalf("RoleId = %q", aws.ToString(r.RoleId))
	}
	if r.CreateDate == nil || r.CreateDate.Before(before) || r.CreateDate.After(time.Now().Add(time.Second)) {
		t.Fatalf("CreateDate = %v", r.CreateDate)
	}
	// As IAM: CreateRole does not answer MaxSessionDuration nor RoleLastUsed.
	if r.MaxSessionDuration != nil || r.RoleLastUsed != nil {
		t.Fatalf("CreateRole answered MaxSessionDuration %v, RoleLastUsed %v", r.MaxSessionDuration, r.RoleLastUsed)
	}
	if iamDecode(t, r.AssumeRolePolicyDocument) != iamTrust || len(r.Tags) != 1 || aws.ToString(r.Tags[0].Key) != "team" {
		t.Fatalf("CreateRole document/tags = %q %+v", aws.ToString(r.AssumeRolePolicyDocument), r.Tags)
	}

	g := iamGet(t, c, "app-fn")
	if aws.ToString(g.RoleId) != aws.ToString(r.RoleId) || aws.ToInt32(g.MaxSessionDuration) != 3600 ||
		aws.ToString(g.Description) != "Role of Lambda function app" || g.RoleLastUsed == nil || g.PermissionsBoundary != nil ||
		!g.CreateDate.Equal(*r.CreateDate) || iamDecode(t, g.AssumeRolePolicyDocument) != iamTrust ||
		len(g.Tags) != 1 || aws.ToString(g.Tags[0].Value) != "a" {
		t.Fatalf("GetRole = %+v", g)
	}
	// Names are unique regardless of case, and found in any case.
	_, err = c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("APP-FN"), AssumeRolePolicyDocument: aws.String(iamTrust)})
	iamWant(t, err, "EntityAlreadyExists", 409, new(*iamtypes.EntityAlreadyExistsException))
	if got := iamGet(t, c, "App-Fn"); aws.ToString(got.RoleName) != "app-fn" {
		t.Fatalf("GetRole(App-Fn).RoleName = %q", aws.ToString(got.RoleName))
	}

	// UpdateRole changes what it is given only.
	if _, err := c.UpdateRole(ctx, &iam.UpdateRoleInput{RoleName: aws.String("app-fn"), MaxSessionDuration: aws.Int32(7200)}); err != nil {
		t.Fatal(err)
	}
	if g := iamGet(t, c, "app-fn"); aws.ToInt32(g.MaxSessionDuration) != 7200 || aws.ToString(g.Description) != "Role of Lambda function app" {
		t.Fatalf("after UpdateRole: %+v", g)
	}
	if _, err := c.UpdateRole(ctx, &iam.UpdateRoleInput{RoleName: aws.String("app-fn"), Description: aws.String("new")}); err != nil {
		t.Fatal(err)
	}
	if g := iamGet(t, c, "app-fn"); aws.ToInt32(g.MaxSessionDuration) != 7200 || aws.ToString(g.Description) != "new" {
		t.Fatalf("after UpdateRole: %+v", g)
	}
	_, err = c.UpdateRole(ctx, &iam.UpdateRoleInput{RoleName: aws.String("app-fn"), MaxSessionDuration: aws.Int32(3599)})
	iamWant(t, err, "ValidationError", 400, nil)
	_, err = c.UpdateRole(ctx, &iam.UpdateRoleInput{RoleName: aws.String("app-fn"), MaxSessionDuration: aws.Int32(43201)})
	iamWant(t, err, "ValidationError", 400, nil)

	// UpdateAssumeRolePolicy replaces the trust policy.
	trust2 := strings.Replace(iamTrust, "lambda.amazonaws.com", "states.amazonaws.com", 1)
	if _, err := c.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("app-fn"), PolicyDocument: aws.String(trust2)}); err != nil {
		t.Fatal(err)
	}
	if g := iamGet(t, c, "app-fn"); iamDecode(t, g.AssumeRolePolicyDocument) != trust2 {
		t.Fatalf("trust policy = %q", iamDecode(t, g.AssumeRolePolicyDocument))
	}
	_, err = c.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("app-fn"), PolicyDocument: aws.String("{")})
	iamWant(t, err, "MalformedPolicyDocument", 400, new(*iamtypes.MalformedPolicyDocumentException))

	snap, ok := s.Role("app-fn")
	if !ok || snap.Arn != "arn:aws:iam::123456789012:role/app-fn" || snap.AssumeRolePolicy != trust2 || snap.MaxSessionDuration != 7200 ||
		snap.Description != "new" || snap.Tags["team"] != "a" || snap.RoleID != aws.ToString(r.RoleId) {
		t.Fatalf("Role() = %+v, %v", snap, ok)
	}
	if got := s.Resources(); len(got) != 1 || got[0] != snap.Arn {
		t.Fatalf("Resources() = %v", got)
	}
	s.mu.Lock()
	exists, other := s.iamRoleExists(snap.Arn), s.iamRoleExists("arn:aws:iam::123456789012:role/other")
	s.mu.Unlock()
	if !exists || other {
		t.Fatalf("iamRoleExists = %v, %v", exists, other)
	}

	if _, err := c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("app-fn")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("app-fn")})
	iamWant(t, err, "NoSuchEntity", 404, new(*iamtypes.NoSuchEntityException))
	_, err = c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("app-fn")})
	iamWant(t, err, "NoSuchEntity", 404, new(*iamtypes.NoSuchEntityException))
	if _, ok := s.Role("app-fn"); ok || len(s.Resources()) != 0 {
		t.Fatalf("role still there: %v", s.Resources())
	}
	s.mu.Lock()
	exists = s.iamRoleExists(snap.Arn)
	s.mu.Unlock()
	if exists {
		t.Fatal("iamRoleExists after DeleteRole")
	}
	// A deleted name can be created again, with a new id.
	if again := iamCreate(t, c, "app-fn"); aws.ToString(again.RoleId) == aws.ToString(r.RoleId) {
		t.Fatal("same RoleId after re-creation")
	}
}

func TestIAMRolePathAndValidation(t *testing.T) {
	s, c := iamStart(t)
	ctx := iamCtx(t)
	out, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("svc+=,.@-_1"), Path: aws.String("/eventstack/team-a/"),
		AssumeRolePolicyDocument: aws.String(iamTrust), MaxSessionDuration: aws.Int32(43200)})
	if err != nil {
		t.Fatal(err)
	}
	arn := "arn:aws:iam::123456789012:role/eventstack/team-a/svc+=,.@-_1"
	if aws.ToString(out.Role.Arn) != arn || aws.ToString(out.Role.Path) != "/eventstack/team-a/" {
		t.Fatalf("role = %+v", out.Role)
	}
	if g := iamGet(t, c, "svc+=,.@-_1"); aws.ToInt32(g.MaxSessionDuration) != 43200 {
		t.Fatalf("MaxSessionDuration = %v", g.MaxSessionDuration)
	}
	s.mu.Lock()
	exists := s.iamRoleExists(arn)
	wrongPath := s.iamRoleExists("arn:aws:iam::123456789012:role/svc+=,.@-_1")
	otherAccount := s.iamRoleExists("arn:aws:iam::111111111111:role/eventstack/team-a/svc+=,.@-_1")
	s.mu.Unlock()
	if !exists || wrongPath || otherAccount {
		t.Fatalf("iamRoleExists = %v, wrong path %v, other account %v", exists, wrongPath, otherAccount)
	}
	if r, ok := s.Role(arn); !ok || r.Name != "svc+=,.@-_1" || r.Path != "/eventstack/team-a/" {
		t.Fatalf("Role(arn) = %+v, %v", r, ok)
	}

	for _, tc := range []struct {
		name string
		in   iam.CreateRoleInput
	}{
		{"bad name", iam.CreateRoleInput{RoleName: aws.String("a/b")}},
		{"space in name", iam.CreateRoleInput{RoleName: aws.String("a b")}},
		{"long name", iam.CreateRoleInput{RoleName: aws.String(strings.Repeat("a", 65))}},
		{"empty name", iam.CreateRoleInput{RoleName: aws.String("")}},
		{"path without slashes", iam.CreateRoleInput{RoleName: aws.String("p"), Path: aws.String("team")}},
		{"path without final slash", iam.CreateRoleInput{RoleName: aws.String("p"), Path: aws.String("/team")}},
		{"short session", iam.CreateRoleInput{RoleName: aws.String("p"), MaxSessionDuration: aws.Int32(900)}},
		{"long description", iam.CreateRoleInput{RoleName: aws.String("p"), Description: aws.String(strings.Repeat("d", 1001))}},
		{"bad tag key", iam.CreateRoleInput{RoleName: aws.String("p"), Tags: []iamtypes.Tag{{Key: aws.String("a*b"), Value: aws.String("v")}}}},
		{"bad tag value", iam.CreateRoleInput{RoleName: aws.String("p"), Tags: []iamtypes.Tag{{Key: aws.String("k"), Value: aws.String("v;")}}}},
		{"control char in document", iam.CreateRoleInput{RoleName: aws.String("p"), AssumeRolePolicyDocument: aws.String("{\x01}")}},
	} {
		in := tc.in
		if in.AssumeRolePolicyDocument == nil {
			in.AssumeRolePolicyDocument = aws.String(iamTrust)
		}
		_, err := c.CreateRole(ctx, &in)
		if err == nil {
			t.Fatalf("%s: no error", tc.name)
		}
		iamWant(t, err, "ValidationError", 400, nil)
	}
	if got := s.Resources(); len(got) != 1 {
		t.Fatalf("failed creations left roles: %v", got)
	}
	_, err = c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("a:b")})
	iamWant(t, err, "ValidationError", 400, nil)
	_, err = c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("p"), AssumeRolePolicyDocument: aws.String(iamTrust),
		PermissionsBoundary: aws.String("arn:aws:iam::123456789012:user/not-a-policy")})
	iamWant(t, err, "InvalidInput", 400, new(*iamtypes.InvalidInputException))
}

func TestIAMPolicyDocumentURLEncoding(t *testing.T) {
	s, c := iamStart(t)
	ctx := iamCtx(t)
	// Spaces, a newline, + * ~ % and a non-ASCII character: kept as given,
	// answered URL-encoded as RFC 3986 says.
	trust := "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{\"Sid\": \"A1\", \"Effect\": \"Allow\", " +
		"\"Principal\": {\"AWS\": \"arn:aws:iam::123456789012:role/a+b\"}, \"Action\": \"sts:*\", " +
		"\"Condition\": {\"StringLike\": {\"sts:RoleSessionName\": \"x~y*100%-é\"}}}]\n}"
	out, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("enc"), AssumeRolePolicyDocument: aws.String(trust)})
	if err != nil {
		t.Fatal(err)
	}
	for _, got := range []string{aws.ToString(out.Role.AssumeRolePolicyDocument), aws.ToString(iamGet(t, c, "enc").AssumeRolePolicyDocument)} {
		if !regexp.MustCompile(`^([A-Za-z0-9._~-]|%[0-9A-F]{2})+$`).MatchString(got) {
			t.Fatalf("not RFC 3986 encoded: %q", got)
		}
		for _, want := range []string{"%7B%0A%20%20%22Version%22%3A%20%222012-10-17%22", "role%2Fa%2Bb", "x~y%2A100%25-%C3%A9", "sts%3A%2A"} {
			if !strings.Contains(got, want) {
				t.Fatalf("encoded document %q lacks %q", got, want)
			}
		}
		if d := iamDecode(t, &got); d != trust {
			t.Fatalf("decoded %q, want %q", d, trust)
		}
	}

	inline := "{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\"," +
		"\"Resource\":\"arn:aws:s3:::bucket/a b+c/*\"}}"
	if _, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("enc"), PolicyName: aws.String("p"), PolicyDocument: aws.String(inline)}); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String("ENC"), PolicyName: aws.String("p")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.RoleName) != "enc" || aws.ToString(got.PolicyName) != "p" {
		t.Fatalf("GetRolePolicy = %+v", got)
	}
	if doc := aws.ToString(got.PolicyDocument); !strings.Contains(doc, "bucket%2Fa%20b%2Bc%2F%2A%22") || strings.ContainsAny(doc, " +/*{\"") {
		t.Fatalf("PolicyDocument = %q", doc)
	}
	if d := iamDecode(t, got.PolicyDocument); d != inline {
		t.Fatalf("decoded %q, want %q", d, inline)
	}
	if r, _ := s.Role("enc"); r.AssumeRolePolicy != trust || r.InlinePolicies["p"] != inline {
		t.Fatalf("Role() = %+v", r)
	}
}

func TestIAMInlinePolicies(t *testing.T) {
	s, c := iamStart(t)
	ctx := iamCtx(t)
	iamCreate(t, c, "r")
	names := []string{"b", "a", "c-1", "d.e"}
	for _, n := range names {
		if _, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("r"), PolicyName: aws.String(n), PolicyDocument: aws.String(iamInline)}); err != nil {
			t.Fatal(err)
		}
	}
	// Put replaces a policy of the same name.
	other := strings.Replace(iamInline, "logs:PutLogEvents", "logs:CreateLogGroup", 1)
	if _, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("r"), PolicyName: aws.String("a"), PolicyDocument: aws.String(other)}); err != nil {
		t.Fatal(err)
	}
	// Paged by MaxItems, sorted by name.
	var listed []string
	pages := 0
	p := iam.NewListRolePoliciesPaginator(c, &iam.ListRolePoliciesInput{RoleName: aws.String("r"), MaxItems: aws.Int32(3)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if page.IsTruncated != (page.Marker != nil) {
			t.Fatalf("IsTruncated %v with Marker %v", page.IsTruncated, page.Marker)
		}
		listed = append(listed, page.PolicyNames...)
	}
	if pages != 2 || strings.Join(listed, ",") != "a,b,c-1,d.e" {
		t.Fatalf("%d pages: %v", pages, listed)
	}
	got, err := c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String("r"), PolicyName: aws.String("a")})
	if err != nil || iamDecode(t, got.PolicyDocument) != other {
		t.Fatalf("GetRolePolicy = %v, %v", got, err)
	}
	_, err = c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String("r"), PolicyName: aws.String("zz")})
	iamWant(t, err, "NoSuchEntity", 404, new(*iamtypes.NoSuchEntityException))
	_, err = c.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String("r"), PolicyName: aws.String("zz")})
	iamWant(t, err, "NoSuchEntity", 404, new(*iamtypes.NoSuchEntityException))
	_, err = c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("r"), PolicyName: aws.String("bad name"), PolicyDocument: aws.String(iamInline)})
	iamWant(t, err, "ValidationError", 400, nil)
	_, err = c.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String("r"), Marker: aws.String("bogus")})
	iamWant(t, err, "ValidationError", 400, nil)

	if _, err := c.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String("r"), PolicyName: aws.String("b")}); err != nil {
		t.Fatal(err)
	}
	list, err := c.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String("r")})
	if err != nil || strings.Join(list.PolicyNames, ",") != "a,c-1,d.e" || list.IsTruncated {
		t.Fatalf("ListRolePolicies = %+v, %v", list, err)
	}
	if r, _ := s.Role("r"); len(r.InlinePolicies) != 3 || r.InlinePolicies["a"] != other {
		t.Fatalf("Role().InlinePolicies = %v", r.InlinePolicies)
	}

	// The role's inline policies may total 10240 characters, whitespace not
	// counted.
	big := func(n int) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::` +
			strings.Repeat("x", n) + `"}]}`
	}
	iamCreate(t, c, "big")
	base := len(big(0))
	if _, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("big"), PolicyName: aws.String("one"),
		PolicyDocument: aws.String(strings.ReplaceAll(big(6000-base), ",", ",\n    "))}); err != nil {
		t.Fatal(err)
	}
	_, err = c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("big"), PolicyName: aws.String("two"), PolicyDocument: aws.String(big(4241 - base))})
	iamWant(t, err, "LimitExceeded", 409, new(*iamtypes.LimitExceededException))
	if _, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("big"), PolicyName: aws.String("two"), PolicyDocument: aws.String(big(4240 - base))}); err != nil {
		t.Fatalf("10240 characters in all: %v", err)
	}
	// Replacing a policy counts its new size only.
	if _, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("big"), PolicyName: aws.String("two"), PolicyDocument: aws.String(big(4000 - base))}); err != nil {
		t.Fatal(err)
	}
}

func TestIAMMalformedPolicyDocument(t *testing.T) {
	_, c := iamStart(t)
	ctx := iamCtx(t)
	iamCreate(t, c, "r")
	stmt := func(s string) string { return `{"Version":"2012-10-17","Statement":[` + s + `]}` }
	trustOK := []string{
		iamTrust,
		// Version may be left out (IAM takes 2008-10-17), Statement may be one object.
		`{"Statement":{"Effect":"Allow","Principal":{"Service":["lambda.amazonaws.com","states.amazonaws.com"]},"Action":"sts:AssumeRole"}}`,
		`{"Version":"2008-10-17","Statement":[{"Sid":"Abc123","Effect":"Deny","Principal":"*","Action":["sts:AssumeRole","sts:TagSession"]}]}`,
		stmt(`{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"x"}}}`),
	}
	for _, doc := range trustOK {
		if _, err := c.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("r"), PolicyDocument: aws.String(doc)}); err != nil {
			t.Fatalf("trust policy %s: %v", doc, err)
		}
	}
	trustBad := map[string]string{
		"not JSON":          `{"Version":"2012-10-17",`,
		"not an object":     `["Statement"]`,
		"bad version":       `{"Version":"2020-01-01","Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}]}`,
		"no statement":      `{"Version":"2012-10-17"}`,
		"unknown element":   `{"Version":"2012-10-17","Statements":[]}`,
		"no effect":         stmt(`{"Principal":"*","Action":"sts:AssumeRole"}`),
		"bad effect":        stmt(`{"Effect":"allow","Principal":"*","Action":"sts:AssumeRole"}`),
		"no action":         stmt(`{"Effect":"Allow","Principal":"*"}`),
		"empty action":      stmt(`{"Effect":"Allow","Principal":"*","Action":[]}`),
		"null action":       stmt(`{"Effect":"Allow","Principal":"*","Action":null}`),
		"no vendor":         stmt(`{"Effect":"Allow","Principal":"*","Action":"AssumeRole"}`),
		"sid with dash":     stmt(`{"Sid":"allow-lambda","Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}`),
		"sid twice":         stmt(`{"Sid":"A","Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"},{"Sid":"A","Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}`),
		"no principal":      stmt(`{"Effect":"Allow","Action":"sts:AssumeRole"}`),
		"bad principal":     stmt(`{"Effect":"Allow","Principal":{"Services":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}`),
		"resource in trust": stmt(`{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Resource":"*"}`),
		"non-sts action":    stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject"}`),
		"unknown field":     stmt(`{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Actions":"x"}`),
	}
	for name, doc := range trustBad {
		_, err := c.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("r"), PolicyDocument: aws.String(doc)})
		if err == nil {
			t.Fatalf("trust policy, %s: accepted %s", name, doc)
		}
		iamWant(t, err, "MalformedPolicyDocument", 400, new(*iamtypes.MalformedPolicyDocumentException))
		_, err = c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("new"), AssumeRolePolicyDocument: aws.String(doc)})
		iamWant(t, err, "MalformedPolicyDocument", 400, new(*iamtypes.MalformedPolicyDocumentException))
	}
	if g := iamGet(t, c, "r"); iamDecode(t, g.AssumeRolePolicyDocument) != trustOK[len(trustOK)-1] {
		t.Fatal("a rejected trust policy was stored")
	}

	inlineOK := []string{
		iamInline,
		stmt(`{"Sid":"None","Effect":"Deny","Action":["none:null"],"Resource":["*"]}`),
		stmt(`{"Effect":"Allow","NotAction":"iam:*","NotResource":"arn:aws:s3:::x"}`),
		`{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`,
	}
	for _, doc := range inlineOK {
		if _, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("r"), PolicyName: aws.String("p"), PolicyDocument: aws.String(doc)}); err != nil {
			t.Fatalf("inline policy %s: %v", doc, err)
		}
	}
	inlineBad := map[string]string{
		"not JSON":       `not json`,
		"no statement":   `{"Version":"2012-10-17"}`,
		"no effect":      stmt(`{"Action":"s3:GetObject","Resource":"*"}`),
		"no action":      stmt(`{"Effect":"Allow","Resource":"*"}`),
		"null action":    stmt(`{"Effect":"Allow","Action":null,"Resource":"*"}`),
		"no resource":    stmt(`{"Effect":"Allow","Action":"s3:GetObject"}`),
		"principal":      stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}`),
		"sid with space": stmt(`{"Sid":"Send Queues","Effect":"Allow","Action":"sqs:SendMessage","Resource":"*"}`),
		"sid underscore": stmt(`{"Sid":"__default","Effect":"Allow","Action":"sqs:SendMessage","Resource":"*"}`),
		"bad condition":  stmt(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":"x"}`),
		"action number":  stmt(`{"Effect":"Allow","Action":[1],"Resource":"*"}`),
	}
	for name, doc := range inlineBad {
		_, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("r"), PolicyName: aws.String("p"), PolicyDocument: aws.String(doc)})
		if err == nil {
			t.Fatalf("inline policy, %s: accepted %s", name, doc)
		}
		iamWant(t, err, "MalformedPolicyDocument", 400, new(*iamtypes.MalformedPolicyDocumentException))
	}
	got, err := c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String("r"), PolicyName: aws.String("p")})
	if err != nil || iamDecode(t, got.PolicyDocument) != inlineOK[len(inlineOK)-1] {
		t.Fatalf("a rejected inline policy was stored: %v", err)
	}

	// A trust policy may have 2048 characters (whitespace not counted).
	long := func(n int) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole",` +
			`"Condition":{"StringEquals":{"sts:ExternalId":"` + strings.Repeat("x", n) + `"}}}]}`
	}
	base := len(long(0))
	if _, err := c.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("r"),
		PolicyDocument: aws.String(strings.ReplaceAll(long(2048-base), ",", ", "))}); err != nil {
		t.Fatalf("2048 characters: %v", err)
	}
	_, err = c.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("r"), PolicyDocument: aws.String(long(2049 - base))})
	iamWant(t, err, "LimitExceeded", 409, new(*iamtypes.LimitExceededException))
	_, err = c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("new"), AssumeRolePolicyDocument: aws.String(long(2049 - base))})
	iamWant(t, err, "LimitExceeded", 409, new(*iamtypes.LimitExceededException))
}

func TestIAMAttachedPolicies(t *testing.T) {
	s, c := iamStart(t)
	ctx := iamCtx(t)
	iamCreate(t, c, "r")
	arns := []string{
		"arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
		"arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess",
		"arn:aws:iam::123456789012:policy/team/Custom",
	}
	for _, a := range append(arns, arns[0]) { // attaching twice is no change
		if _, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: aws.String(a)}); err != nil {
			t.Fatal(err)
		}
	}
	var listed []iamtypes.AttachedPolicy
	p := iam.NewListAttachedRolePoliciesPaginator(c, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("r"), MaxItems: aws.Int32(2)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		listed = append(listed, page.AttachedPolicies...)
	}
	if len(listed) != 3 || aws.ToString(listed[0].PolicyArn) != arns[0] || aws.ToString(listed[0].PolicyName) != "AWSLambdaBasicExecutionRole" ||
		aws.ToString(listed[2].PolicyName) != "Custom" {
		t.Fatalf("attached = %+v", listed)
	}
	byPath, err := c.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("r"), PathPrefix: aws.String("/service-role/")})
	if err != nil || len(byPath.AttachedPolicies) != 1 || aws.ToString(byPath.AttachedPolicies[0].PolicyArn) != arns[0] {
		t.Fatalf("by path: %+v, %v", byPath, err)
	}
	if r, _ := s.Role("r"); strings.Join(r.AttachedPolicies, " ") != strings.Join(arns, " ") {
		t.Fatalf("Role().AttachedPolicies = %v", r.AttachedPolicies)
	}

	_, err = c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: aws.String("arn:aws:s3:::not-a-policy")})
	iamWant(t, err, "InvalidInput", 400, new(*iamtypes.InvalidInputException))
	_, err = c.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")})
	iamWant(t, err, "NoSuchEntity", 404, new(*iamtypes.NoSuchEntityException))
	if _, err := c.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: aws.String(arns[1])}); err != nil {
		t.Fatal(err)
	}
	list, err := c.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("r")})
	if err != nil || len(list.AttachedPolicies) != 2 || aws.ToString(list.AttachedPolicies[1].PolicyArn) != arns[2] || list.IsTruncated {
		t.Fatalf("after detach: %+v, %v", list, err)
	}

	// At most 10 managed policies per role.
	for i := 0; i < 8; i++ {
		if _, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("r"),
			PolicyArn: aws.String(fmt.Sprintf("arn:aws:iam::123456789012:policy/p%d", i))}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: aws.String("arn:aws:iam::123456789012:policy/p8")})
	iamWant(t, err, "LimitExceeded", 409, new(*iamtypes.LimitExceededException))
}

func TestIAMRoleTags(t *testing.T) {
	s, c := iamStart(t)
	ctx := iamCtx(t)
	_, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(iamTrust),
		Tags: []iamtypes.Tag{
			{Key: aws.String("services.k8s.aws/namespace"), Value: aws.String("default")},
			{Key: aws.String("Env"), Value: aws.String("dev")},
		}})
	if err != nil {
		t.Fatal(err)
	}
	// TagRole adds, and replaces the value of a key the role has (in any case).
	if _, err := c.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("r"), Tags: []iamtypes.Tag{
		{Key: aws.String("env"), Value: aws.String("prod")}, {Key: aws.String("team"), Value: aws.String("")},
	}}); err != nil {
		t.Fatal(err)
	}
	all := func() map[string]string {
		t.Helper()
		out := map[string]string{}
		var marker *string
		for {
			page, err := c.ListRoleTags(ctx, &iam.ListRoleTagsInput{RoleName: aws.String("r"), MaxItems: aws.Int32(2), Marker: marker})
			if err != nil {
				t.Fatal(err)
			}
			for _, tag := range page.Tags {
				out[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
			}
			if !page.IsTruncated {
				return out
			}
			marker = page.Marker
		}
	}
	if got := all(); len(got) != 3 || got["env"] != "prod" || got["team"] != "" || got["services.k8s.aws/namespace"] != "default" {
		t.Fatalf("tags = %v", got)
	}
	if g := iamGet(t, c, "r"); len(g.Tags) != 3 {
		t.Fatalf("GetRole tags = %+v", g.Tags)
	}
	if _, err := c.UntagRole(ctx, &iam.UntagRoleInput{RoleName: aws.String("r"), TagKeys: []string{"team", "absent"}}); err != nil {
		t.Fatal(err)
	}
	if got := all(); len(got) != 2 || got["env"] != "prod" {
		t.Fatalf("tags after untag = %v", got)
	}
	if r, _ := s.Role("r"); len(r.Tags) != 2 || r.Tags["services.k8s.aws/namespace"] != "default" {
		t.Fatalf("Role().Tags = %v", r.Tags)
	}

	_, err = c.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("r"), Tags: []iamtypes.Tag{
		{Key: aws.String("a"), Value: aws.String("1")}, {Key: aws.String("A"), Value: aws.String("2")},
	}})
	iamWant(t, err, "InvalidInput", 400, new(*iamtypes.InvalidInputException))
	_, err = c.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("r"), Tags: []iamtypes.Tag{{Key: aws.String("aws:cloudformation:stack-name"), Value: aws.String("x")}}})
	iamWant(t, err, "InvalidInput", 400, new(*iamtypes.InvalidInputException))
	_, err = c.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("r"), Tags: []iamtypes.Tag{{Key: aws.String(strings.Repeat("k", 129)), Value: aws.String("x")}}})
	iamWant(t, err, "ValidationError", 400, nil)
	_, err = c.UntagRole(ctx, &iam.UntagRoleInput{RoleName: aws.String("r"), TagKeys: []string{"bad*key"}})
	iamWant(t, err, "ValidationError", 400, nil)

	// At most 50 tags per role.
	var many []iamtypes.Tag
	for i := 0; i < 48; i++ {
		many = append(many, iamtypes.Tag{Key: aws.String(fmt.Sprintf("k%d", i)), Value: aws.String("v")})
	}
	if _, err := c.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("r"), Tags: many}); err != nil {
		t.Fatal(err)
	}
	_, err = c.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("r"), Tags: []iamtypes.Tag{{Key: aws.String("one-more"), Value: aws.String("v")}}})
	iamWant(t, err, "LimitExceeded", 409, new(*iamtypes.LimitExceededException))
	if got := all(); len(got) != 50 {
		t.Fatalf("%d tags", len(got))
	}
}

func TestIAMRolePermissionsBoundary(t *testing.T) {
	s, c := iamStart(t)
	ctx := iamCtx(t)
	boundary := "arn:aws:iam::123456789012:policy/eventstack-boundary"
	out, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(iamTrust), PermissionsBoundary: aws.String(boundary)})
	if err != nil {
		t.Fatal(err)
	}
	if b := out.Role.PermissionsBoundary; b == nil || aws.ToString(b.PermissionsBoundaryArn) != boundary || b.PermissionsBoundaryType != iamtypes.PermissionsBoundaryAttachmentTypePolicy {
		t.Fatalf("CreateRole boundary = %+v", b)
	}
	if _, err := c.DeleteRolePermissionsBoundary(ctx, &iam.DeleteRolePermissionsBoundaryInput{RoleName: aws.String("r")}); err != nil {
		t.Fatal(err)
	}
	if g := iamGet(t, c, "r"); g.PermissionsBoundary != nil {
		t.Fatalf("boundary after delete = %+v", g.PermissionsBoundary)
	}
	// Deleting it again succeeds.
	if _, err := c.DeleteRolePermissionsBoundary(ctx, &iam.DeleteRolePermissionsBoundaryInput{RoleName: aws.String("r")}); err != nil {
		t.Fatal(err)
	}
	managed := "arn:aws:iam::aws:policy/PowerUserAccess"
	if _, err := c.PutRolePermissionsBoundary(ctx, &iam.PutRolePermissionsBoundaryInput{RoleName: aws.String("r"), PermissionsBoundary: aws.String(managed)}); err != nil {
		t.Fatal(err)
	}
	if g := iamGet(t, c, "r"); g.PermissionsBoundary == nil || aws.ToString(g.PermissionsBoundary.PermissionsBoundaryArn) != managed {
		t.Fatalf("boundary = %+v", g.PermissionsBoundary)
	}
	if r, _ := s.Role("r"); r.PermissionsBoundary != managed {
		t.Fatalf("Role().PermissionsBoundary = %q", r.PermissionsBoundary)
	}
	_, err = c.PutRolePermissionsBoundary(ctx, &iam.PutRolePermissionsBoundaryInput{RoleName: aws.String("r"), PermissionsBoundary: aws.String("arn:aws:iam::123456789012:role/r")})
	iamWant(t, err, "InvalidInput", 400, new(*iamtypes.InvalidInputException))
	// A boundary does not keep a role from being deleted.
	if _, err := c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("r")}); err != nil {
		t.Fatal(err)
	}
}

func TestIAMRoleDeleteConflict(t *testing.T) {
	s, c := iamStart(t)
	ctx := iamCtx(t)
	iamCreate(t, c, "r")
	policy := "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
	if _, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("r"), PolicyName: aws.String("p"), PolicyDocument: aws.String(iamInline)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	_, err := c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("r")})
	iamWant(t, err, "DeleteConflict", 409, new(*iamtypes.DeleteConflictException))
	if _, err := c.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String("r"), PolicyName: aws.String("p")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("r")})
	iamWant(t, err, "DeleteConflict", 409, new(*iamtypes.DeleteConflictException))
	if _, ok := s.Role("r"); !ok {
		t.Fatal("DeleteRole deleted despite DeleteConflict")
	}
	if _, err := c.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("r")}); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Role("r"); ok {
		t.Fatal("role still there")
	}
}

// Every role operation answers NoSuchEntity for a role that does not exist.
func TestIAMRoleNoSuchEntity(t *testing.T) {
	_, c := iamStart(t)
	ctx := iamCtx(t)
	n := aws.String("missing")
	arn := aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")
	for op, call := range map[string]func() error{
		"GetRole": func() error { _, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: n}); return err },
		"UpdateRole": func() error {
			_, err := c.UpdateRole(ctx, &iam.UpdateRoleInput{RoleName: n, Description: n})
			return err
		},
		"UpdateAssumeRolePolicy": func() error {
			_, err := c.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: n, PolicyDocument: aws.String(iamTrust)})
			return err
		},
		"DeleteRole": func() error { _, err := c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: n}); return err },
		"PutRolePolicy": func() error {
			_, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: n, PolicyName: n, PolicyDocument: aws.String(iamInline)})
			return err
		},
		"GetRolePolicy": func() error {
			_, err := c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: n, PolicyName: n})
			return err
		},
		"DeleteRolePolicy": func() error {
			_, err := c.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: n, PolicyName: n})
			return err
		},
		"ListRolePolicies": func() error { _, err := c.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: n}); return err },
		"AttachRolePolicy": func() error {
			_, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: n, PolicyArn: arn})
			return err
		},
		"DetachRolePolicy": func() error {
			_, err := c.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: n, PolicyArn: arn})
			return err
		},
		"ListAttachedRolePolicies": func() error {
			_, err := c.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: n})
			return err
		},
		"TagRole": func() error {
			_, err := c.TagRole(ctx, &iam.TagRoleInput{RoleName: n, Tags: []iamtypes.Tag{{Key: n, Value: n}}})
			return err
		},
		"UntagRole": func() error {
			_, err := c.UntagRole(ctx, &iam.UntagRoleInput{RoleName: n, TagKeys: []string{"k"}})
			return err
		},
		"ListRoleTags": func() error { _, err := c.ListRoleTags(ctx, &iam.ListRoleTagsInput{RoleName: n}); return err },
		"PutRolePermissionsBoundary": func() error {
			_, err := c.PutRolePermissionsBoundary(ctx, &iam.PutRolePermissionsBoundaryInput{RoleName: n, PermissionsBoundary: arn})
			return err
		},
		"DeleteRolePermissionsBoundary": func() error {
			_, err := c.DeleteRolePermissionsBoundary(ctx, &iam.DeleteRolePermissionsBoundaryInput{RoleName: n})
			return err
		},
	} {
		err := call()
		if err == nil {
			t.Fatalf("%s: no error", op)
		}
		var nse *iamtypes.NoSuchEntityException
		if !errors.As(err, &nse) || !strings.Contains(nse.ErrorMessage(), "missing") {
			t.Fatalf("%s: want NoSuchEntity naming the role, got %v", op, err)
		}
		iamWant(t, err, "NoSuchEntity", 404, nil)
	}
}

func TestIAMRoleAccountsAndOutOfBand(t *testing.T) {
	s, c := iamStart(t)
	ctx := iamCtx(t)
	iamCreate(t, c, "shared")
	// Credentials from an AssumeRole of this server act in that account.
	other := iamClientFor(s.URL(), "ASIA111111111111FAKE")
	r := iamCreate(t, other, "shared")
	if aws.ToString(r.Arn) != "arn:aws:iam::111111111111:role/shared" {
		t.Fatalf("Arn = %q", aws.ToString(r.Arn))
	}
	iamCreate(t, other, "only-there")
	_, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("only-there")})
	iamWant(t, err, "NoSuchEntity", 404, nil)
	want := "arn:aws:iam::111111111111:role/only-there arn:aws:iam::111111111111:role/shared arn:aws:iam::123456789012:role/shared"
	if got := strings.Join(s.Resources(), " "); got != want {
		t.Fatalf("Resources() = %s", got)
	}
	if got, ok := s.Role("shared"); !ok || got.Arn != "arn:aws:iam::123456789012:role/shared" {
		t.Fatalf("Role(shared) = %+v", got)
	}
	if _, ok := s.Role("only-there"); ok {
		t.Fatal("Role by name looked outside the server's account")
	}

	// Out of band deletion takes the policies along; the caller then sees
	// NoSuchEntity, as after a deletion by someone else.
	if _, err := other.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("shared"), PolicyName: aws.String("p"), PolicyDocument: aws.String(iamInline)}); err != nil {
		t.Fatal(err)
	}
	if !s.DeleteRoleOutOfBand("arn:aws:iam::111111111111:role/shared") {
		t.Fatal("DeleteRoleOutOfBand(arn) = false")
	}
	if s.DeleteRoleOutOfBand("arn:aws:iam::111111111111:role/shared") {
		t.Fatal("DeleteRoleOutOfBand of a deleted role = true")
	}
	_, err = other.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String("shared"), PolicyName: aws.String("p")})
	iamWant(t, err, "NoSuchEntity", 404, nil)
	if !s.DeleteRoleOutOfBand("SHARED") {
		t.Fatal("DeleteRoleOutOfBand(name) = false")
	}
	_, err = c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("shared")})
	iamWant(t, err, "NoSuchEntity", 404, new(*iamtypes.NoSuchEntityException))
	if got := s.Resources(); len(got) != 1 || got[0] != "arn:aws:iam::111111111111:role/only-there" {
		t.Fatalf("Resources() = %v", got)
	}
	// Requests are counted under iam:<Action>.
	if calls := s.Calls(); calls["iam:CreateRole"] != 3 || calls["iam:GetRole"] != 2 {
		t.Fatalf("Calls() = %v", calls)
	}
}

// IAM is eventually consistent: a new role is not assumable by Lambda until
// Delays.RolePropagation has passed.
func TestIAMRolePropagation(t *testing.T) {
	s := New()
	s.Delays.RolePropagation = 300 * time.Millisecond
	c := iamClientFor(startServer(t, s), "AKID")
	out, err := c.CreateRole(context.Background(), &iam.CreateRoleInput{RoleName: aws.String("young"), AssumeRolePolicyDocument: aws.String(iamTrust)})
	if err != nil {
		t.Fatal(err)
	}
	assumable := func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.iamRoleExists(aws.ToString(out.Role.Arn))
	}
	if assumable() {
		t.Fatal("a role is assumable right after CreateRole")
	}
	time.Sleep(350 * time.Millisecond)
	if !assumable() {
		t.Fatal("a role is not assumable after RolePropagation")
	}
}

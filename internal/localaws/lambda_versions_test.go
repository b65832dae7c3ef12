package localaws

import (
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// PublishVersion publishes $LATEST once per change, refuses while the
// function is busy or when the declared hash is not $LATEST's, and a version
// is read, listed and deleted by its number.
func TestLambdaVersions(t *testing.T) {
	e := newLambdaEnv(t, lmDelays)
	role := e.role(t, "fn-role")
	e.create(t, "orders", role)
	_, err := e.lm.PublishVersion(ctx(t), &lambda.PublishVersionInput{FunctionName: aws.String("orders")})
	wantCode(t, err, "ResourceConflictException", http.StatusConflict) // Pending
	sha := aws.ToString(e.waitSettled(t, "orders").Configuration.CodeSha256)

	_, err = e.lm.PublishVersion(ctx(t), &lambda.PublishVersionInput{FunctionName: aws.String("orders"), CodeSha256: aws.String("other")})
	wantCode(t, err, "InvalidParameterValueException", http.StatusBadRequest)
	v1 := must(e.lm.PublishVersion(ctx(t), &lambda.PublishVersionInput{FunctionName: aws.String("orders"), CodeSha256: aws.String(sha),
		Description: aws.String("first")}))(t)
	if aws.ToString(v1.Version) != "1" || aws.ToString(v1.FunctionArn) != e.srv.functionArn("orders", "1") ||
		aws.ToString(v1.Description) != "first" || v1.State != lambdatypes.StateActive {
		t.Fatalf("version 1: %s %s %q %s", aws.ToString(v1.Version), aws.ToString(v1.FunctionArn), aws.ToString(v1.Description), v1.State)
	}
	again := must(e.lm.PublishVersion(ctx(t), &lambda.PublishVersionInput{FunctionName: aws.String("orders")}))(t)
	if aws.ToString(again.Version) != "1" {
		t.Errorf("nothing changed, but Lambda published version %s", aws.ToString(again.Version))
	}

	must(e.lm.UpdateFunctionConfiguration(ctx(t), &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("orders"),
		MemorySize: aws.Int32(256)}))(t)
	_, err = e.lm.PublishVersion(ctx(t), &lambda.PublishVersionInput{FunctionName: aws.String("orders")})
	wantCode(t, err, "ResourceConflictException", http.StatusConflict) // InProgress
	e.waitSettled(t, "orders")
	v2 := must(e.lm.PublishVersion(ctx(t), &lambda.PublishVersionInput{FunctionName: aws.String("orders")}))(t)
	if aws.ToString(v2.Version) != "2" || aws.ToInt32(v2.MemorySize) != 256 {
		t.Fatalf("version 2: %s, %d MB", aws.ToString(v2.Version), aws.ToInt32(v2.MemorySize))
	}

	got := must(e.lm.GetFunctionConfiguration(ctx(t), &lambda.GetFunctionConfigurationInput{FunctionName: aws.String("orders"),
		Qualifier: aws.String("1")}))(t)
	if aws.ToString(got.Version) != "1" || aws.ToInt32(got.MemorySize) != 128 {
		t.Errorf("version 1 read back: %s, %d MB", aws.ToString(got.Version), aws.ToInt32(got.MemorySize))
	}
	page := must(e.lm.ListVersionsByFunction(ctx(t), &lambda.ListVersionsByFunctionInput{FunctionName: aws.String("orders"),
		MaxItems: aws.Int32(2)}))(t)
	if len(page.Versions) != 2 || aws.ToString(page.Versions[0].Version) != "$LATEST" || page.NextMarker == nil {
		t.Fatalf("first page: %d versions, marker %v", len(page.Versions), page.NextMarker)
	}
	rest := must(e.lm.ListVersionsByFunction(ctx(t), &lambda.ListVersionsByFunctionInput{FunctionName: aws.String("orders"),
		Marker: page.NextMarker}))(t)
	if len(rest.Versions) != 1 || aws.ToString(rest.Versions[0].Version) != "2" || rest.NextMarker != nil {
		t.Fatalf("second page: %+v", rest.Versions)
	}

	must(e.lm.DeleteFunction(ctx(t), &lambda.DeleteFunctionInput{FunctionName: aws.String("orders"), Qualifier: aws.String("1")}))(t)
	_, err = e.lm.GetFunctionConfiguration(ctx(t), &lambda.GetFunctionConfigurationInput{FunctionName: aws.String("orders"),
		Qualifier: aws.String("1")})
	wantCode(t, err, "ResourceNotFoundException", http.StatusNotFound)
	e.config(t, "orders") // $LATEST stays
}

// An alias routes to a version and a weighted second one; UpdateAlias
// changes what it is given (the weights only when RoutingConfig is given, an
// empty map clearing them) and checks the RevisionId; a version an alias
// uses cannot be deleted.
func TestLambdaAliases(t *testing.T) {
	e := newLambdaEnv(t, lmDelays)
	e.create(t, "orders", e.role(t, "fn-role"))
	e.waitSettled(t, "orders")
	must(e.lm.PublishVersion(ctx(t), &lambda.PublishVersionInput{FunctionName: aws.String("orders")}))(t)
	must(e.lm.UpdateFunctionConfiguration(ctx(t), &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("orders"),
		Timeout: aws.Int32(30)}))(t)
	e.waitSettled(t, "orders")
	must(e.lm.PublishVersion(ctx(t), &lambda.PublishVersionInput{FunctionName: aws.String("orders")}))(t)

	_, err := e.lm.CreateAlias(ctx(t), &lambda.CreateAliasInput{FunctionName: aws.String("orders"), Name: aws.String("live"),
		FunctionVersion: aws.String("9")})
	wantCode(t, err, "ResourceNotFoundException", http.StatusNotFound)
	_, err = e.lm.CreateAlias(ctx(t), &lambda.CreateAliasInput{FunctionName: aws.String("orders"), Name: aws.String("live"),
		FunctionVersion: aws.String("$LATEST"), RoutingConfig: weights(map[string]float64{"2": 0.1})})
	wantCode(t, err, "InvalidParameterValueException", http.StatusBadRequest)
	a := must(e.lm.CreateAlias(ctx(t), &lambda.CreateAliasInput{FunctionName: aws.String("orders"), Name: aws.String("live"),
		FunctionVersion: aws.String("1"), RoutingConfig: weights(map[string]float64{"2": 0.1})}))(t)
	if aws.ToString(a.AliasArn) != e.srv.functionArn("orders", "live") || a.RoutingConfig.AdditionalVersionWeights["2"] != 0.1 {
		t.Fatalf("alias: %s %v", aws.ToString(a.AliasArn), a.RoutingConfig)
	}
	_, err = e.lm.CreateAlias(ctx(t), &lambda.CreateAliasInput{FunctionName: aws.String("orders"), Name: aws.String("live"),
		FunctionVersion: aws.String("1")})
	wantCode(t, err, "ResourceConflictException", http.StatusConflict)
	// No provisioned concurrency, as lambda-controller reads it after each change.
	_, err = e.lm.GetProvisionedConcurrencyConfig(ctx(t), &lambda.GetProvisionedConcurrencyConfigInput{FunctionName: aws.String("orders"), Qualifier: aws.String("live")})
	wantCode(t, err, "ProvisionedConcurrencyConfigNotFoundException", http.StatusNotFound)

	// Without RoutingConfig the weights stay.
	u := must(e.lm.UpdateAlias(ctx(t), &lambda.UpdateAliasInput{FunctionName: aws.String("orders"), Name: aws.String("live"),
		FunctionVersion: aws.String("1"), RevisionId: a.RevisionId}))(t)
	if u.RoutingConfig == nil || u.RoutingConfig.AdditionalVersionWeights["2"] != 0.1 {
		t.Errorf("an update without RoutingConfig changed the weights: %v", u.RoutingConfig)
	}
	_, err = e.lm.UpdateAlias(ctx(t), &lambda.UpdateAliasInput{FunctionName: aws.String("orders"), Name: aws.String("live"),
		RevisionId: a.RevisionId})
	wantCode(t, err, "PreconditionFailedException", http.StatusPreconditionFailed)
	_, err = e.lm.DeleteFunction(ctx(t), &lambda.DeleteFunctionInput{FunctionName: aws.String("orders"), Qualifier: aws.String("2")})
	wantCode(t, err, "ResourceConflictException", http.StatusConflict)

	// Promoted: version 2 takes all, the weights cleared by an empty map.
	must(e.lm.UpdateAlias(ctx(t), &lambda.UpdateAliasInput{FunctionName: aws.String("orders"), Name: aws.String("live"),
		FunctionVersion: aws.String("2"), RoutingConfig: weights(map[string]float64{})}))(t)
	g := must(e.lm.GetAlias(ctx(t), &lambda.GetAliasInput{FunctionName: aws.String("orders"), Name: aws.String("live")}))(t)
	if aws.ToString(g.FunctionVersion) != "2" || g.RoutingConfig != nil {
		t.Errorf("promoted alias: version %s, routing %v", aws.ToString(g.FunctionVersion), g.RoutingConfig)
	}
	viaAlias := must(e.lm.GetFunctionConfiguration(ctx(t), &lambda.GetFunctionConfigurationInput{FunctionName: aws.String("orders"),
		Qualifier: aws.String("live")}))(t)
	if aws.ToString(viaAlias.Version) != "2" || aws.ToString(viaAlias.FunctionArn) != e.srv.functionArn("orders", "live") {
		t.Errorf("the alias's configuration: version %s, ARN %s", aws.ToString(viaAlias.Version), aws.ToString(viaAlias.FunctionArn))
	}
	must(e.lm.DeleteFunction(ctx(t), &lambda.DeleteFunctionInput{FunctionName: aws.String("orders"), Qualifier: aws.String("1")}))(t)
	must(e.lm.DeleteAlias(ctx(t), &lambda.DeleteAliasInput{FunctionName: aws.String("orders"), Name: aws.String("live")}))(t)
	_, err = e.lm.GetAlias(ctx(t), &lambda.GetAliasInput{FunctionName: aws.String("orders"), Name: aws.String("live")})
	wantCode(t, err, "ResourceNotFoundException", http.StatusNotFound)
}

func weights(w map[string]float64) *lambdatypes.AliasRoutingConfiguration {
	return &lambdatypes.AliasRoutingConfiguration{AdditionalVersionWeights: w}
}

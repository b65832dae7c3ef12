package localaws

// dynamoOps are the DynamoDB operations the server plays (JSON 1.0,
// X-Amz-Target DynamoDB_20120810.<Operation>).
var dynamoOps = map[string]func(*Server, []byte) (any, *apiError){}

type dynamoState struct{}

func newDynamoState() dynamoState { return dynamoState{} }

// dynamoResources lists the ARNs of what exists (call with s.mu held).
func (s *Server) dynamoResources() []string { return nil }

package health

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/localcluster"
)

// Argo CD's health status codes (gitops-engine pkg/health).
const (
	healthy     = "Healthy"
	progressing = "Progressing"
	degraded    = "Degraded"
	unknown     = "Unknown"
)

// argoHealth is what a health script returns, decoded as Argo CD decodes it
// (gitops-engine's health.HealthStatus).
type argoHealth struct {
	Status  string `json:"status,omitempty"`
	Message string `json:"message,omitempty"`
}

// healthScript is config/argocd/health.lua.
func healthScript(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(localcluster.RepoRoot(), "config", "argocd", "health.lua"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// runArgoCDHealth runs a health script the way Argo CD's application
// controller runs one from argocd-cm (util/lua in argoproj/argo-cd, with the
// gopher-lua interpreter it embeds):
//
//   - a state without the standard libraries (resource.customizations.useOpenLibs
//     is off by default), then only package, base and table opened: no string,
//     math or io, so a script calling string.format fails here as it would
//     there. Argo CD also opens a reduced os library; health.lua uses no os,
//     and leaving it out makes any use of it fail here;
//   - the object as the global obj, converted from its JSON form as Argo CD's
//     decodeValue does: objects become tables keyed by field name, arrays
//     1-indexed tables, numbers (int64 from the API, float64) Lua numbers;
//   - a one second deadline;
//   - the value the script returns must be a table; it is encoded to JSON and
//     decoded into {status, message}, and a status that is not one of Argo
//     CD's codes becomes Unknown, "Lua returned an invalid health status".
func runArgoCDHealth(obj *unstructured.Unstructured, script string) (argoHealth, error) {
	l := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer l.Close()
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{
		{lua.LoadLibName, lua.OpenPackage},
		{lua.BaseLibName, lua.OpenBase},
		{lua.TabLibName, lua.OpenTable},
	} {
		if err := l.CallByParam(lua.P{Fn: l.NewFunction(lib.open), NRet: 0, Protect: true}, lua.LString(lib.name)); err != nil {
			return argoHealth{}, err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	l.SetContext(ctx)
	l.SetGlobal("obj", toLua(l, obj.Object))
	if err := l.DoString(script); err != nil {
		return argoHealth{}, err
	}
	ret, ok := l.Get(-1).(*lua.LTable)
	if !ok {
		return argoHealth{}, fmt.Errorf("expect table output from Lua script, not %s", l.Get(-1).Type())
	}
	b, err := json.Marshal(fromLua(ret))
	if err != nil {
		return argoHealth{}, err
	}
	var hs argoHealth
	if err := json.Unmarshal(b, &hs); err != nil {
		return argoHealth{}, err
	}
	switch hs.Status {
	case healthy, progressing, degraded, unknown, "Suspended", "Missing":
		return hs, nil
	}
	return argoHealth{Status: unknown, Message: "Lua returned an invalid health status"}, nil
}

// toLua converts a JSON value to Lua as Argo CD's decodeValue does; a value of
// any other type becomes nil.
func toLua(l *lua.LState, value any) lua.LValue {
	switch v := value.(type) {
	case bool:
		return lua.LBool(v)
	case float64:
		return lua.LNumber(v)
	case int64:
		return lua.LNumber(v)
	case int32:
		return lua.LNumber(v)
	case int:
		return lua.LNumber(v)
	case json.Number:
		return lua.LString(v)
	case string:
		return lua.LString(v)
	case []any:
		arr := l.CreateTable(len(v), 0)
		for _, item := range v {
			arr.Append(toLua(l, item))
		}
		return arr
	case map[string]any:
		tbl := l.CreateTable(0, len(v))
		for key, item := range v {
			tbl.RawSetH(lua.LString(key), toLua(l, item))
		}
		return tbl
	}
	return lua.LNil
}

// fromLua converts a Lua value to JSON as gopher-json (which Argo CD encodes
// the result with) does: a table with an array part is an array, any other an
// object.
func fromLua(value lua.LValue) any {
	switch v := value.(type) {
	case lua.LBool:
		return bool(v)
	case lua.LNumber:
		return float64(v)
	case lua.LString:
		return string(v)
	case *lua.LTable:
		if v.MaxN() > 0 {
			arr := make([]any, 0, v.MaxN())
			for i := 1; i <= v.MaxN(); i++ {
				arr = append(arr, fromLua(v.RawGetInt(i)))
			}
			return arr
		}
		obj := map[string]any{}
		v.ForEach(func(k, item lua.LValue) { obj[k.String()] = fromLua(item) })
		return obj
	}
	return nil
}

// The ConfigMap patch carries health.lua byte for byte, under the key Argo CD
// looks up for the kind: resource.customizations.health.<group>_<kind>.
func TestArgoCDConfigMapCarriesHealthLua(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(localcluster.RepoRoot(), "config", "argocd", "argocd-cm.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cm := &corev1.ConfigMap{}
	if err := yaml.UnmarshalStrict(data, cm); err != nil {
		t.Fatal(err)
	}
	if cm.Kind != "ConfigMap" || cm.Name != "argocd-cm" {
		t.Errorf("%s %s, want ConfigMap argocd-cm", cm.Kind, cm.Name)
	}
	key := "resource.customizations.health." + v1alpha1.GroupVersion.Group + "_EventDrivenStack"
	got, ok := cm.Data[key]
	if !ok || len(cm.Data) != 1 {
		t.Fatalf("data keys %v, want only %s", keysOf(cm.Data), key)
	}
	if want := healthScript(t); got != want {
		gotLines, wantLines := strings.SplitAfter(got, "\n"), strings.SplitAfter(want, "\n")
		line := 0
		for line < len(gotLines) && line < len(wantLines) && gotLines[line] == wantLines[line] {
			line++
		}
		t.Errorf("the Lua in argocd-cm.yaml differs from health.lua from line %d on (regenerate it as config/argocd/README.md says):\n argocd-cm.yaml: %q\n     health.lua: %q",
			line+1, lineAt(gotLines, line), lineAt(wantLines, line))
	}
}

func lineAt(lines []string, i int) string {
	if i < len(lines) {
		return lines[i]
	}
	return "(end)"
}

func keysOf(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// The harness is as strict as Argo CD: no string library, a table must be
// returned, and an unknown status code becomes Unknown. health.lua itself
// returns a valid status for any shape of status, even none.
func TestArgoCDLuaEnvironment(t *testing.T) {
	obj := &unstructured.Unstructured{Object: map[string]any{
		"metadata": map[string]any{"name": "x", "generation": int64(3)},
	}}
	if _, err := runArgoCDHealth(obj, `return {status = string.format("%s", "Healthy")}`); err == nil {
		t.Error("the string library is open; Argo CD does not open it for argocd-cm scripts")
	}
	if _, err := runArgoCDHealth(obj, `return "Healthy"`); err == nil {
		t.Error("a script returning a string was accepted")
	}
	if hs, err := runArgoCDHealth(obj, `return {status = "Fine"}`); err != nil || hs.Status != unknown {
		t.Errorf("invalid status: %+v, %v", hs, err)
	}
	// obj as Argo CD builds it: arrays are 1-indexed, numbers compare as numbers.
	probe := `local hs = {}
if obj.metadata.generation == 3 and obj.status.conditions[1].type == "Ready" and obj.status.conditions[2] == nil then
  hs.status = "Healthy"
else
  hs.status = "Degraded"
end
return hs`
	withCond := obj.DeepCopy()
	withCond.Object["status"] = map[string]any{"conditions": []any{map[string]any{"type": "Ready"}}}
	if hs, err := runArgoCDHealth(withCond, probe); err != nil || hs.Status != healthy {
		t.Errorf("obj is not converted as Argo CD converts it: %+v, %v", hs, err)
	}

	for name, status := range map[string]any{
		"no status":               nil,
		"empty status":            map[string]any{},
		"observed, no conditions": map[string]any{"observedGeneration": int64(3)},
		"observed, conditions without message": map[string]any{"observedGeneration": int64(3), "conditions": []any{
			map[string]any{"type": "Stalled", "status": "True"},
		}},
	} {
		o := obj.DeepCopy()
		if status != nil {
			o.Object["status"] = status
		}
		hs, err := runArgoCDHealth(o, healthScript(t))
		if err != nil || hs.Status == unknown || hs.Message == "" {
			t.Errorf("%s: %+v, %v", name, hs, err)
		}
	}
}

// evalLua runs health.lua on an object and checks status and message.
func evalLua(t *testing.T, obj *unstructured.Unstructured, wantStatus, wantMessage string) {
	t.Helper()
	hs, err := runArgoCDHealth(obj, healthScript(t))
	if err != nil {
		t.Fatalf("health.lua: %v", err)
	}
	if hs.Status != wantStatus || hs.Message != wantMessage {
		observed, _, _ := unstructured.NestedInt64(obj.Object, "status", "observedGeneration")
		conds, _, _ := unstructured.NestedSlice(obj.Object, "status", "conditions")
		t.Errorf("health.lua on %s (generation %d, observedGeneration %d, conditions %v):\n got %s: %q\nwant %s: %q",
			obj.GetName(), obj.GetGeneration(), observed, conds, hs.Status, hs.Message, wantStatus, wantMessage)
	}
}

var errNoCondition = errors.New("no such condition")

// conditionOf returns a condition of an object as read from the API.
func conditionOf(obj *unstructured.Unstructured, conditionType string) (map[string]any, error) {
	conds, _, _ := unstructured.NestedSlice(obj.Object, "status", "conditions")
	for _, c := range conds {
		if m, ok := c.(map[string]any); ok && m["type"] == conditionType {
			return m, nil
		}
	}
	return nil, fmt.Errorf("%s: %w", conditionType, errNoCondition)
}

// messageOf is a condition's message ("" when the condition is absent).
func messageOf(obj *unstructured.Unstructured, conditionType string) string {
	c, err := conditionOf(obj, conditionType)
	if err != nil {
		return ""
	}
	msg, _ := c["message"].(string)
	return msg
}

func mustContain(t *testing.T, what, s string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(s, p) {
			t.Errorf("%s %q lacks %q", what, s, p)
		}
	}
}

// A Ready stack with an alarm in ALARM is Healthy, with a message naming the
// alarm: not Degraded, which is for a stack that cannot progress. Back to OK
// (Alarming False), the message is Ready's again.
func TestArgoCDAlarmingStackIsHealthyWithAMessage(t *testing.T) {
	obj := func(alarming string) *unstructured.Unstructured {
		return &unstructured.Unstructured{Object: map[string]any{
			"metadata": map[string]any{"name": "shop", "generation": int64(2)},
			"status": map[string]any{"observedGeneration": int64(2), "conditions": []any{
				map[string]any{"type": "Ready", "status": "True", "reason": "Succeeded", "message": "every child is ready"},
				map[string]any{"type": "Alarming", "status": alarming, "reason": "AlarmsFiring",
					"message": "1 of 19 alarms in ALARM: order-dlq-messages-visible (queue/order-dlq since 2026-12-07T08:30:00Z)"},
			}},
		}}
	}
	evalLua(t, obj("True"), healthy, "Ready, but alarming: 1 of 19 alarms in ALARM: order-dlq-messages-visible (queue/order-dlq since 2026-12-07T08:30:00Z)")
	evalLua(t, obj("False"), healthy, "every child is ready")
}

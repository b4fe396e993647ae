// Command argo-health evaluates an Argo CD resource health script (Lua) the way Argo CD's application
// controller does, on gopher-lua, the Lua VM Argo CD embeds. It reads Kubernetes objects, one JSON object per
// line on stdin, and prints one line per object: the health Argo CD would show, as Argo CD's HealthStatus
// JSON ({"status":"...","message":"..."}).
//
//	argo-health [-use-open-libs] SCRIPT.lua < objects.jsonl
//
// Argo CD's own code (github.com/argoproj/argo-cd/v3, package util/lua) cannot be built here (see
// deploy/argocd/README.md), so this program reproduces its contract for health scripts; each place where it
// mirrors Argo CD says so. Error wording is ours; the health code that results is Argo CD's.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// scriptTimeout mirrors Argo CD: every health evaluation runs under a one-second context deadline.
const scriptTimeout = time.Second

// validHealthCodes are the codes Argo CD accepts from a script (gitops-engine's HealthStatusCode values).
var validHealthCodes = map[string]bool{
	"Healthy": true, "Progressing": true, "Degraded": true, "Suspended": true, "Missing": true, "Unknown": true,
}

// invalidStatusMessage is the message Argo CD reports, with health Unknown, when a script returns a code
// outside validHealthCodes. A script that returns such a code is not an error to Argo CD.
const invalidStatusMessage = "Lua returned an invalid health status"

type healthStatus struct {
	Status  string `json:"status"`
	Message string `json:"message,omitempty"`
}

func main() {
	useOpenLibs := flag.Bool("use-open-libs", false,
		"open all Lua standard libraries, as Argo CD does when argocd-cm sets resource.customizations.useOpenLibs.<group>_<kind>")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: argo-health [-use-open-libs] SCRIPT.lua < objects.jsonl")
		os.Exit(2)
	}
	script, err := os.ReadFile(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, "argo-health:", err)
		os.Exit(2)
	}
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<24)
	out := json.NewEncoder(os.Stdout)
	out.SetEscapeHTML(false)
	for in.Scan() {
		var object map[string]any
		if err := json.Unmarshal(in.Bytes(), &object); err != nil {
			fmt.Fprintln(os.Stderr, "argo-health: not a JSON object:", err)
			os.Exit(2)
		}
		if err := out.Encode(evaluate(string(script), object, *useOpenLibs)); err != nil {
			fmt.Fprintln(os.Stderr, "argo-health:", err)
			os.Exit(1)
		}
	}
	if err := in.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "argo-health:", err)
		os.Exit(2)
	}
}

// evaluate mirrors what Argo CD shows for a resource with a custom health script: a script that fails (a Lua
// error, the deadline, a result that is not a table or not a HealthStatus) makes the resource's health
// Unknown with the error as message; otherwise the script's status and message, or Unknown if the status is
// not one of Argo CD's codes.
func evaluate(script string, object map[string]any, useOpenLibs bool) healthStatus {
	health, err := run(script, object, useOpenLibs)
	if err != nil {
		return healthStatus{Status: "Unknown", Message: err.Error()}
	}
	if !validHealthCodes[health.Status] {
		return healthStatus{Status: "Unknown", Message: invalidStatusMessage}
	}
	return health
}

func run(script string, object map[string]any, useOpenLibs bool) (healthStatus, error) {
	l := lua.NewState(lua.Options{SkipOpenLibs: !useOpenLibs})
	defer l.Close()
	if !useOpenLibs {
		if err := openSandboxLibs(l); err != nil {
			return healthStatus{}, err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), scriptTimeout)
	defer cancel()
	l.SetContext(ctx)
	// Mirrors Argo CD: the live object, as decoded from JSON, is the global `obj`.
	l.SetGlobal("obj", toLua(l, object))
	if err := l.DoString(script); err != nil {
		return healthStatus{}, err
	}
	// Mirrors Argo CD: the value on top of the stack (the chunk's last return value) is the result.
	return fromLua(l.Get(-1))
}

// openSandboxLibs opens what Argo CD opens for a health script when useOpenLibs is off (the default): the
// base, package and table libraries, and an `os` module with only time and date, reachable through
// require("os") (Argo CD sets no `os` global). Not opened: string, math, io, coroutine, channel, debug and
// the rest of os, so a script that calls string.find or math.floor fails, and Argo CD shows Unknown.
func openSandboxLibs(l *lua.LState) error {
	for name, open := range map[string]lua.LGFunction{
		lua.LoadLibName: lua.OpenPackage, lua.BaseLibName: lua.OpenBase, lua.TabLibName: lua.OpenTable,
	} {
		if err := l.CallByParam(lua.P{Fn: l.NewFunction(open), Protect: true}, lua.LString(name)); err != nil {
			return err
		}
	}
	osTime, osDate := gopherOsTimeAndDate()
	l.PreloadModule(lua.OsLibName, func(l *lua.LState) int {
		module := l.NewTable()
		module.RawSetString("time", l.NewFunction(osTime))
		module.RawSetString("date", l.NewFunction(osDate))
		l.Push(module)
		return 1
	})
	return nil
}

// gopherOsTimeAndDate returns gopher-lua's own os.time and os.date (Argo CD's safe os module carries the same
// two functions, lifted from gopher-lua).
func gopherOsTimeAndDate() (lua.LGFunction, lua.LGFunction) {
	full := lua.NewState()
	defer full.Close()
	osLib := full.GetGlobal(lua.OsLibName).(*lua.LTable)
	return osLib.RawGetString("time").(*lua.LFunction).GFunction, osLib.RawGetString("date").(*lua.LFunction).GFunction
}

// toLua builds the Lua value of a decoded JSON value as Argo CD does: objects become tables keyed by
// string, arrays become sequences from 1, numbers become Lua numbers, null becomes nil.
func toLua(l *lua.LState, value any) lua.LValue {
	switch v := value.(type) {
	case map[string]any:
		table := l.CreateTable(0, len(v))
		for key, item := range v {
			table.RawSetString(key, toLua(l, item))
		}
		return table
	case []any:
		table := l.CreateTable(len(v), 0)
		for _, item := range v {
			table.Append(toLua(l, item))
		}
		return table
	case string:
		return lua.LString(v)
	case float64:
		return lua.LNumber(v)
	case bool:
		return lua.LBool(v)
	default:
		return lua.LNil
	}
}

// fromLua reads the script's result as Argo CD does, which encodes the returned table to JSON and decodes it
// into a HealthStatus: anything but a table is an error, and so is a status or message of the wrong type.
func fromLua(result lua.LValue) (healthStatus, error) {
	table, ok := result.(*lua.LTable)
	if !ok {
		return healthStatus{}, fmt.Errorf("expect table output from Lua script, not %s", result.Type())
	}
	status, err := optionalString(table, "status")
	if err != nil {
		return healthStatus{}, err
	}
	message, err := optionalString(table, "message")
	if err != nil {
		return healthStatus{}, err
	}
	return healthStatus{Status: status, Message: message}, nil
}

func optionalString(table *lua.LTable, field string) (string, error) {
	switch v := table.RawGetString(field).(type) {
	case *lua.LNilType:
		return "", nil
	case lua.LString:
		return string(v), nil
	default:
		return "", errors.New("the table returned by the Lua script has a " + v.Type().String() +
			" as " + field + ", not a string")
	}
}

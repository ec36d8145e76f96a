// alloy-parse reads an Alloy configuration file on stdin with Grafana Alloy's own parser
// (github.com/grafana/alloy/syntax v1.18.1, copied into test/go/third_party/) and prints its
// statements as JSON in the shape of observability/alloy.ts: blocks {block, label?, body},
// attributes {attribute, value}; values as JSON literals, [arrays], {"ref": "a.b.c"},
// {"call": "f.g", "args": [...]}, {"object": {...}}. A syntax error prints Alloy's diagnostics
// on stderr and exits 1; an expression outside that shape exits 2.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/grafana/alloy/syntax/ast"
	"github.com/grafana/alloy/syntax/parser"
	"github.com/grafana/alloy/syntax/token"
)

func main() {
	data, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	file, err := parser.ParseFile("config.alloy", data)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	out, err := json.Marshal(body(file.Body))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fmt.Println(string(out))
}

func body(b ast.Body) []interface{} {
	out := []interface{}{}
	for _, stmt := range b {
		switch s := stmt.(type) {
		case *ast.BlockStmt:
			block := map[string]interface{}{"block": s.GetBlockName(), "body": body(s.Body)}
			if s.Label != "" {
				block["label"] = s.Label
			}
			out = append(out, block)
		case *ast.AttributeStmt:
			out = append(out, map[string]interface{}{"attribute": s.Name.Name, "value": expr(s.Value)})
		default:
			fail("statement %T", stmt)
		}
	}
	return out
}

// path is the dotted name of an identifier or a chain of field accesses, e.g. loki.write.loki.receiver.
func path(e ast.Expr) (string, bool) {
	switch v := e.(type) {
	case *ast.IdentifierExpr:
		return v.Ident.Name, true
	case *ast.AccessExpr:
		p, ok := path(v.Value)
		return p + "." + v.Name.Name, ok
	}
	return "", false
}

func expr(e ast.Expr) interface{} {
	switch v := e.(type) {
	case *ast.LiteralExpr:
		switch v.Kind {
		case token.STRING:
			s, err := strconv.Unquote(v.Value)
			if err != nil {
				fail("string %s: %v", v.Value, err)
			}
			return s
		case token.NUMBER, token.FLOAT:
			n, err := strconv.ParseFloat(v.Value, 64)
			if err != nil {
				fail("number %s: %v", v.Value, err)
			}
			return n
		case token.BOOL:
			return v.Value == "true"
		case token.NULL:
			return nil
		}
	case *ast.ArrayExpr:
		out := []interface{}{}
		for _, el := range v.Elements {
			out = append(out, expr(el))
		}
		return out
	case *ast.ObjectExpr:
		out := map[string]interface{}{}
		for _, f := range v.Fields {
			out[f.Name.Name] = expr(f.Value)
		}
		return map[string]interface{}{"object": out}
	case *ast.IdentifierExpr, *ast.AccessExpr:
		p, _ := path(v)
		return map[string]interface{}{"ref": p}
	case *ast.CallExpr:
		fn, ok := path(v.Value)
		if !ok {
			fail("call of %T", v.Value)
		}
		args := []interface{}{}
		for _, a := range v.Args {
			args = append(args, expr(a))
		}
		return map[string]interface{}{"call": fn, "args": args}
	}
	fail("expression %T", e)
	return nil
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "alloy-parse: unsupported "+format+"\n", args...)
	os.Exit(2)
}

// gotemplate executes Go text/template the way the Argo CD ApplicationSet controller does with
// goTemplate: true (text/template, the given goTemplateOptions such as "missingkey=error"), for
// tests. Input on stdin, JSON: {"template": "...", "options": ["missingkey=error"], "data": [{...}, ...]};
// output on stdout, JSON: one rendered string per element of data. An execution error (a missing
// key) exits 1 with it on stderr.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"text/template"
)

type input struct {
	Template string                   `json:"template"`
	Options  []string                 `json:"options"`
	Data     []map[string]interface{} `json:"data"`
}

func main() {
	var in input
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		fmt.Fprintln(os.Stderr, "gotemplate: input:", err)
		os.Exit(2)
	}
	tmpl, err := template.New("t").Option(in.Options...).Parse(in.Template)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gotemplate: parse:", err)
		os.Exit(1)
	}
	out := make([]string, 0, len(in.Data))
	for _, data := range in.Data {
		var b strings.Builder
		if err := tmpl.Execute(&b, data); err != nil {
			fmt.Fprintln(os.Stderr, "gotemplate: execute:", err)
			os.Exit(1)
		}
		out = append(out, b.String())
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, "gotemplate: output:", err)
		os.Exit(2)
	}
}

// yaml2json reads a YAML stream on stdin the way kubectl, Helm and Argo CD read manifests and
// prints its documents as one JSON array on stdout. Documents are split on "---" lines like
// k8s.io/apimachinery/pkg/util/yaml's YAMLReader and converted with sigs.k8s.io/yaml.YAMLToJSON
// (go-yaml v2: YAML 1.1 resolution, so a bare yes is true and 0755 is 493). Documents that are
// empty or only comments are dropped, as kubectl does. Exit 1 with the error on stderr when a
// document does not parse.
package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

	"sigs.k8s.io/yaml"
)

func main() {
	input, err := io.ReadAll(bufio.NewReader(os.Stdin))
	if err != nil {
		fail(err)
	}
	var documents [][]byte
	var current bytes.Buffer
	flush := func() {
		documents = append(documents, append([]byte(nil), current.Bytes()...))
		current.Reset()
	}
	for _, line := range strings.SplitAfter(string(input), "\n") {
		if strings.TrimRight(line, " \t\r\n") == "---" || strings.HasPrefix(line, "--- ") {
			flush()
			continue
		}
		current.WriteString(line)
	}
	flush()
	out := []byte("[")
	first := true
	for i, document := range documents {
		converted, err := yaml.YAMLToJSON(document)
		if err != nil {
			fail(fmt.Errorf("document %d: %w", i+1, err))
		}
		if string(converted) == "null" {
			continue
		}
		if !first {
			out = append(out, ',')
		}
		first = false
		out = append(out, converted...)
	}
	out = append(out, ']', '\n')
	if _, err := os.Stdout.Write(out); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "yaml2json:", err)
	os.Exit(1)
}

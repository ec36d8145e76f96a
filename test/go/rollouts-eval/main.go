// rollouts-eval: evaluates Argo Rollouts AnalysisTemplate metric conditions the way the Argo
// Rollouts controller does (utils/evaluate in argoproj/argo-rollouts): with the expr language
// (github.com/antonmedv/expr, Debian's golang-github-antonmedv-expr-dev), `result` bound to the
// Prometheus provider's value (a []float64 for a vector), the helper functions Argo Rollouts adds
// (isNaN, isInf, asInt, asFloat), its refusal to index an empty result, and its phase rules:
// failure wins, neither condition true is Inconclusive, a condition that cannot be evaluated is Error.
//
// Input (stdin): JSON [{"result": ["0.12", "NaN", ...], "successCondition": "...", "failureCondition": "..."}],
// sample values as Prometheus writes them. Output (stdout): JSON ["Successful" | "Failed" | "Inconclusive" | "Error: ..."].
package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"regexp"
	"strconv"

	"github.com/antonmedv/expr"
)

type measurement struct {
	Result           []string `json:"result"`
	SuccessCondition string   `json:"successCondition"`
	FailureCondition string   `json:"failureCondition"`
}

var indexed = regexp.MustCompile(`\bresult\s*\[`)

func evalCondition(result []float64, condition string) (bool, error) {
	if indexed.MatchString(condition) && len(result) == 0 {
		return false, fmt.Errorf("metric result is empty, and the condition cannot index into result")
	}
	env := map[string]interface{}{
		"result": result,
		"isNaN":  math.IsNaN,
		"isInf":  func(f float64) bool { return math.IsInf(f, 0) },
		"asInt": func(s string) int64 {
			v, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				panic(err)
			}
			return v
		},
		"asFloat": func(s string) float64 {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				panic(err)
			}
			return v
		},
	}
	program, err := expr.Compile(condition, expr.Env(env))
	if err != nil {
		return false, err
	}
	output, err := expr.Run(program, env)
	if err != nil {
		return false, err
	}
	value, ok := output.(bool)
	if !ok {
		return false, fmt.Errorf("expected bool, but got %T", output)
	}
	return value, nil
}

func phase(m measurement) string {
	result := make([]float64, 0, len(m.Result))
	for _, text := range m.Result {
		v, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return "Error: " + err.Error()
		}
		result = append(result, v)
	}
	success, failure := false, false
	var err error
	if m.SuccessCondition != "" {
		if success, err = evalCondition(result, m.SuccessCondition); err != nil {
			return "Error: " + err.Error()
		}
	}
	if m.FailureCondition != "" {
		if failure, err = evalCondition(result, m.FailureCondition); err != nil {
			return "Error: " + err.Error()
		}
	}
	switch {
	case m.SuccessCondition == "" && m.FailureCondition == "":
		return "Successful"
	case m.FailureCondition == "":
		failure = !success
	case m.SuccessCondition == "":
		success = !failure
	}
	if failure {
		return "Failed"
	}
	if !success {
		return "Inconclusive"
	}
	return "Successful"
}

func main() {
	var input []measurement
	if err := json.NewDecoder(os.Stdin).Decode(&input); err != nil {
		fmt.Fprintln(os.Stderr, "rollouts-eval:", err)
		os.Exit(1)
	}
	phases := make([]string, len(input))
	for i, m := range input {
		phases[i] = phase(m)
	}
	if err := json.NewEncoder(os.Stdout).Encode(phases); err != nil {
		fmt.Fprintln(os.Stderr, "rollouts-eval:", err)
		os.Exit(1)
	}
}

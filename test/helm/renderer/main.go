// Command helm-render is a small, test-only stand-in for `helm template` and `helm lint`.
//
// There is no helm binary here, so tests render the generated chart with this instead. It is
// built by test/helm/build-renderer.sh from Debian's Go packages (GOPATH mode, no modules) and
// uses the same libraries Helm 3 does: Go's text/template, Masterminds/sprig v3 (Debian's
// golang-github-masterminds-sprig-dev, imported without /v3), sigs.k8s.io/yaml,
// Masterminds/semver v3 and xeipuuv/gojsonschema. What it re-implements follows Helm 3's source:
//
//   - pkg/chart/loader + Metadata.Validate: Chart.yaml, values.yaml, values.schema.json, templates/.
//   - pkg/cli/values + pkg/strvals: -f files merged in order, then --set, then --set-string.
//   - pkg/chartutil coalesce: user values over values.yaml; maps merge, a null deletes the key.
//   - pkg/chartutil jsonschema: the coalesced values are validated against values.schema.json.
//   - pkg/engine: templates parsed together, partials (_*) not rendered, missingkey=zero and
//     "<no value>" removed, sprig minus env/expandenv, Helm's own functions, error clean-up.
//   - pkg/releaseutil + cmd/helm/template.go: output split into documents, sorted by kind in
//     install order, hooks printed last, each as "---\n# Source: <file>\n<doc>".
//   - pkg/lint/rules: the Chart.yaml, values and template checks (see runLint).
//
// Not supported, and refused where it would silently change the output: subcharts (charts/ and
// Chart.yaml dependencies), library charts, crds/ (helm template leaves them out by default too),
// .helmignore, .Files.Glob/AsConfig/AsSecrets (Get, GetBytes and Lines exist), toToml/fromToml,
// --set-file/--set-json/--set-literal, strict mode and a real cluster for lookup.
//
// Usage:
//
//	helm-render template [NAME] <chartDir> [--release NAME] [--namespace NS] [-f values.yaml]...
//	    [--set k=v[,k2=v2]]... [--set-string k=v]... [--is-upgrade] [--kube-version v1.27.0]
//	    [--api-versions group/version]...
//	helm-render lint <chartDir> [-f values.yaml]... [--set ...]... [--set-string ...]...
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"text/template"
	"unicode"

	"github.com/Masterminds/semver" // Debian's semver v3; in GOPATH mode the /v3 suffix is dropped
	"github.com/Masterminds/sprig"
	"github.com/xeipuuv/gojsonschema"
	"sigs.k8s.io/yaml"
)

// ---------------------------------------------------------------------------------------------
// Chart loading (helm pkg/chart, pkg/chart/loader)

// Metadata is Chart.yaml, with Helm's field names: templates see them as .Chart.Name etc.
type Metadata struct {
	Name         string            `json:"name,omitempty"`
	Home         string            `json:"home,omitempty"`
	Sources      []string          `json:"sources,omitempty"`
	Version      string            `json:"version,omitempty"`
	Description  string            `json:"description,omitempty"`
	Keywords     []string          `json:"keywords,omitempty"`
	Maintainers  []*Maintainer     `json:"maintainers,omitempty"`
	Icon         string            `json:"icon,omitempty"`
	APIVersion   string            `json:"apiVersion,omitempty"`
	Condition    string            `json:"condition,omitempty"`
	Tags         string            `json:"tags,omitempty"`
	AppVersion   string            `json:"appVersion,omitempty"`
	Deprecated   bool              `json:"deprecated,omitempty"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	KubeVersion  string            `json:"kubeVersion,omitempty"`
	Dependencies []interface{}     `json:"dependencies,omitempty"` // only counted: subcharts are refused
	Type         string            `json:"type,omitempty"`
}

// Maintainer is one entry of Chart.yaml's maintainers.
type Maintainer struct {
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
	URL   string `json:"url,omitempty"`
}

// chartObject is what .Chart is in templates: the metadata plus IsRoot, as in Helm.
type chartObject struct {
	Metadata
	IsRoot bool
}

// Files is .Files: the chart's other files (not Chart.yaml, values*, templates/ or charts/).
type Files map[string][]byte

// Get returns a file's content as a string ("" when missing), like Helm's .Files.Get.
func (f Files) Get(name string) string { return string(f[name]) }

// GetBytes returns a file's content as bytes (nil when missing).
func (f Files) GetBytes(name string) []byte { return f[name] }

// Lines returns a file's lines, without the newline characters.
func (f Files) Lines(name string) []string {
	if f[name] == nil {
		return []string{}
	}
	return strings.Split(strings.TrimSuffix(string(f[name]), "\n"), "\n")
}

// Chart is a loaded chart directory.
type Chart struct {
	Meta      Metadata
	Values    map[string]interface{}
	Schema    []byte            // nil without values.schema.json
	Templates map[string]string // "<chart>/templates/<path>" -> template text
	Files     Files
}

// loadChart reads a chart directory the way Helm's loader does, then validates the metadata.
func loadChart(dir string) (*Chart, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "Chart.yaml"))
	if err != nil {
		return nil, errors.New("Chart.yaml file is missing")
	}
	c := &Chart{Values: map[string]interface{}{}, Templates: map[string]string{}, Files: Files{}}
	if err := yaml.Unmarshal(raw, &c.Meta); err != nil {
		return nil, fmt.Errorf("cannot load Chart.yaml: %w", err)
	}
	if c.Meta.APIVersion == "" {
		c.Meta.APIVersion = "v1" // Helm assumes a v1 chart when apiVersion is missing
	}
	if err := validateMetadata(&c.Meta); err != nil {
		return nil, fmt.Errorf("validation: %w", err)
	}
	if len(c.Meta.Dependencies) > 0 {
		return nil, errors.New("helm-render does not support chart dependencies (subcharts)")
	}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		switch {
		case rel == "Chart.yaml" || rel == "Chart.lock":
		case rel == "values.yaml":
			if c.Values, err = readValues(data); err != nil {
				return fmt.Errorf("cannot load values.yaml: %w", err)
			}
		case rel == "values.schema.json":
			c.Schema = data
		case strings.HasPrefix(rel, "charts/"):
			return fmt.Errorf("helm-render does not support subcharts (%s)", rel)
		case strings.HasPrefix(rel, "templates/"):
			if !strings.HasPrefix(path.Base(rel), ".") { // Helm's default ignore rule templates/.?*
				c.Templates[c.Meta.Name+"/"+rel] = string(data)
			}
		default:
			c.Files[rel] = data
		}
		return nil
	})
	return c, err
}

// validateMetadata is Helm's Metadata.Validate (including its sanitising of strings).
func validateMetadata(md *Metadata) error {
	for _, s := range []*string{&md.Name, &md.Description, &md.Home, &md.Icon, &md.Condition, &md.Tags, &md.AppVersion, &md.KubeVersion} {
		*s = sanitize(*s)
	}
	switch {
	case md.APIVersion == "":
		return errors.New("chart.metadata.apiVersion is required")
	case md.Name == "":
		return errors.New("chart.metadata.name is required")
	case md.Name == "." || md.Name == ".." || md.Name != filepath.Base(md.Name):
		return fmt.Errorf("chart.metadata.name %q is invalid", md.Name)
	case md.Version == "":
		return errors.New("chart.metadata.version is required")
	case !validSemver(md.Version):
		return fmt.Errorf("chart.metadata.version %q is invalid", md.Version)
	case md.Type != "" && md.Type != "application" && md.Type != "library":
		return errors.New("chart.metadata.type must be application or library")
	}
	for _, m := range md.Maintainers {
		if m == nil {
			return errors.New("maintainers must not contain empty or null nodes")
		}
	}
	return nil
}

func validSemver(v string) bool { _, err := semver.NewVersion(v); return err == nil }

// sanitize turns whitespace into spaces and drops non-printable characters.
func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return ' '
		}
		if unicode.IsPrint(r) {
			return r
		}
		return -1
	}, s)
}

// ---------------------------------------------------------------------------------------------
// Values (helm pkg/cli/values, pkg/strvals, pkg/chartutil)

// readValues parses a values file as Helm does: through sigs.k8s.io/yaml, i.e. YAML -> JSON ->
// Go, so every number becomes a float64 (which is why Helm prints 1000000 as 1e+06).
func readValues(data []byte) (map[string]interface{}, error) {
	m := map[string]interface{}{}
	if err := yaml.Unmarshal(data, &m); err != nil {
		return nil, err
	}
	if m == nil {
		m = map[string]interface{}{}
	}
	return m, nil
}

// userValues merges the -f files in order (later wins, maps merge recursively), then applies
// every --set and then every --set-string, like Helm's values.Options.MergeValues.
func userValues(o options) (map[string]interface{}, error) {
	base := map[string]interface{}{}
	for _, f := range o.valueFiles {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		m, err := readValues(data)
		if err != nil {
			return nil, fmt.Errorf("failed to parse %s: %w", f, err)
		}
		base = mergeMaps(base, m)
	}
	for _, s := range o.sets {
		if err := (&setParser{in: []rune(s)}).parse(base); err != nil {
			return nil, fmt.Errorf("failed parsing --set data: %w", err)
		}
	}
	for _, s := range o.setStrings {
		if err := (&setParser{in: []rune(s), asString: true}).parse(base); err != nil {
			return nil, fmt.Errorf("failed parsing --set-string data: %w", err)
		}
	}
	return base, nil
}

// mergeMaps is Helm's CLI merge of values files: b over a; a null in b is kept (as null).
func mergeMaps(a, b map[string]interface{}) map[string]interface{} {
	out := make(map[string]interface{}, len(a))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		if vm, ok := v.(map[string]interface{}); ok {
			if om, ok := out[k].(map[string]interface{}); ok {
				out[k] = mergeMaps(om, vm)
				continue
			}
		}
		out[k] = v
	}
	return out
}

// coalesceValues puts the chart's values.yaml under the user's values (chartutil.CoalesceValues
// for a chart without subcharts). User values win; maps merge; lists and scalars replace. A user
// null deletes the key it overrides; nulls inside a map merged with a values.yaml map are dropped
// too; a top-level null for a key values.yaml does not have stays null, as in Helm 3.
func coalesceValues(chartValues, user map[string]interface{}) map[string]interface{} {
	v := deepCopy(user).(map[string]interface{})
	for key, val := range deepCopy(chartValues).(map[string]interface{}) {
		uv, ok := v[key]
		switch {
		case !ok:
			v[key] = val
		case uv == nil:
			delete(v, key)
		default:
			dst, dok := uv.(map[string]interface{})
			src, sok := val.(map[string]interface{})
			if dok && sok {
				coalesceTables(dst, src)
			}
		}
	}
	return v
}

// coalesceTables merges src under dst (dst wins), deleting keys that are null in dst.
func coalesceTables(dst, src map[string]interface{}) {
	for key, val := range dst {
		if val == nil {
			src[key] = nil
		}
	}
	for key, val := range src {
		dv, ok := dst[key]
		switch {
		case ok && dv == nil:
			delete(dst, key)
		case !ok:
			dst[key] = val
		default:
			dm, dok := dv.(map[string]interface{})
			sm, sok := val.(map[string]interface{})
			if dok && sok {
				coalesceTables(dm, sm)
			} // otherwise dst's scalar or list wins (Helm only logs a warning on a type clash)
		}
	}
}

func deepCopy(v interface{}) interface{} {
	switch t := v.(type) {
	case map[string]interface{}:
		m := make(map[string]interface{}, len(t))
		for k, x := range t {
			m[k] = deepCopy(x)
		}
		return m
	case []interface{}:
		l := make([]interface{}, len(t))
		for i, x := range t {
			l[i] = deepCopy(x)
		}
		return l
	}
	return v
}

// setParser reads Helm's --set syntax (pkg/strvals): name=value pairs separated by commas,
// dotted names for nested maps, name[i] for list items, {a,b} for list values and backslash
// escapes. Values are typed like strvals.typedVal unless asString (--set-string).
type setParser struct {
	in       []rune
	pos      int
	asString bool
}

func (p *setParser) parse(dest map[string]interface{}) error {
	for p.pos < len(p.in) {
		if err := p.key(dest, 0); err != nil {
			return err
		}
	}
	return nil
}

// until consumes runes up to and including one of stop; it returns the text before it (with
// escapes resolved) and the stop rune, or 0 at the end of the input.
func (p *setParser) until(stop string) (string, rune) {
	var sb strings.Builder
	for p.pos < len(p.in) {
		r := p.in[p.pos]
		p.pos++
		if strings.ContainsRune(stop, r) {
			return sb.String(), r
		}
		if r == '\\' && p.pos < len(p.in) {
			r = p.in[p.pos]
			p.pos++
		}
		sb.WriteRune(r)
	}
	return sb.String(), 0
}

func (p *setParser) key(data map[string]interface{}, depth int) error {
	k, last := p.until("=[,.")
	switch last {
	case 0:
		if k == "" {
			return nil
		}
		return fmt.Errorf("key %q has no value", k)
	case ',':
		return fmt.Errorf("key %q has no value (cannot end with ,)", k)
	case '=':
		v, err := p.value()
		if err == nil && k != "" {
			data[k] = v
		}
		return err
	case '.':
		if depth++; depth > 30 {
			return errors.New("value name nested level is greater than maximum supported nested level of 30")
		}
		inner := map[string]interface{}{}
		if existing, ok := data[k]; ok {
			if inner, ok = existing.(map[string]interface{}); !ok {
				return fmt.Errorf("unable to parse key: %q is not a map", k)
			}
		}
		err := p.key(inner, depth)
		if err == nil && len(inner) == 0 {
			return fmt.Errorf("key map %q has no value", k)
		}
		if len(inner) != 0 && k != "" {
			data[k] = inner
		}
		return err
	default: // '['
		list := []interface{}{}
		if existing, ok := data[k]; ok {
			if list, ok = existing.([]interface{}); !ok {
				return fmt.Errorf("unable to parse key: %q is not a list", k)
			}
		}
		list, err := p.listItem(list, depth)
		if k != "" {
			data[k] = list
		}
		return err
	}
}

// listItem handles what follows "name[": the index, then "=value", "[j]..." or ".key...".
func (p *setParser) listItem(list []interface{}, depth int) ([]interface{}, error) {
	idx, _ := p.until("]")
	i, err := strconv.Atoi(idx)
	if err != nil {
		return list, fmt.Errorf("error parsing index: %w", err)
	}
	if i < 0 || i > 65536 {
		return list, fmt.Errorf("index %d is out of the range Helm allows (0..65536)", i)
	}
	for len(list) <= i {
		list = append(list, nil)
	}
	rest, last := p.until("[.=")
	if rest != "" {
		return list, fmt.Errorf("unexpected data at end of array index: %q", rest)
	}
	switch last {
	case '=':
		list[i], err = p.value()
	case '[':
		inner, _ := list[i].([]interface{})
		list[i], err = p.listItem(inner, depth)
	case '.':
		inner, ok := list[i].(map[string]interface{})
		if !ok {
			inner = map[string]interface{}{}
		}
		err = p.key(inner, depth)
		list[i] = inner
	default:
		err = errors.New("list index has no value")
	}
	return list, err
}

// value reads what follows '=': a {a,b} list, or a scalar up to the next comma.
func (p *setParser) value() (interface{}, error) {
	if p.pos < len(p.in) && p.in[p.pos] == '{' {
		p.pos++
		list := []interface{}{}
		for {
			item, last := p.until(",}")
			switch last {
			case 0:
				return list, errors.New("list must terminate with '}'")
			case '}':
				if p.pos < len(p.in) && p.in[p.pos] == ',' {
					p.pos++
				}
				return append(list, p.typed(item)), nil
			}
			list = append(list, p.typed(item))
		}
	}
	s, _ := p.until(",")
	return p.typed(s), nil
}

// typed is strvals.typedVal: true/false/null in any case, integers without a leading zero as
// int64, everything else a string.
func (p *setParser) typed(s string) interface{} {
	switch {
	case p.asString:
		return s
	case strings.EqualFold(s, "true"):
		return true
	case strings.EqualFold(s, "false"):
		return false
	case strings.EqualFold(s, "null"):
		return nil
	case s == "0":
		return int64(0)
	}
	if s != "" && s[0] != '0' {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n
		}
	}
	return s
}

// validateSchema checks values against values.schema.json (chartutil.ValidateAgainstSingleSchema).
func validateSchema(schema []byte, values map[string]interface{}) error {
	doc, err := json.Marshal(values)
	if err != nil {
		return err
	}
	compiled, err := gojsonschema.NewSchemaLoader().Compile(gojsonschema.NewBytesLoader(schema))
	if err != nil {
		return fmt.Errorf("unable to compile schema: %s", err)
	}
	result, err := compiled.Validate(gojsonschema.NewBytesLoader(doc))
	if err != nil {
		return err
	}
	var sb strings.Builder
	for _, e := range result.Errors() {
		fmt.Fprintf(&sb, "- %s\n", e)
	}
	if sb.Len() > 0 {
		return errors.New(sb.String())
	}
	return nil
}

// ---------------------------------------------------------------------------------------------
// Template data (helm chartutil.ToRenderValues, Capabilities)

// KubeVersion is .Capabilities.KubeVersion; it prints as its Version.
type KubeVersion struct{ Version, Major, Minor string }

func (k KubeVersion) String() string     { return k.Version }
func (k KubeVersion) GitVersion() string { return k.Version }

// VersionSet is .Capabilities.APIVersions.
type VersionSet []string

// Has reports whether the exact group/version (or group/version/Kind) string is in the set.
func (v VersionSet) Has(apiVersion string) bool {
	for _, x := range v {
		if x == apiVersion {
			return true
		}
	}
	return false
}

// builtinAPIVersions approximates Helm's default set for `helm template`: the group/versions
// registered in client-go's scheme (here: Kubernetes 1.27) plus apiextensions. CRD groups are
// absent unless given with --api-versions, exactly as with helm.
var builtinAPIVersions = strings.Fields(`v1 admissionregistration.k8s.io/v1 admissionregistration.k8s.io/v1beta1
	admissionregistration.k8s.io/v1alpha1 internal.apiserver.k8s.io/v1alpha1 apps/v1 apps/v1beta2 apps/v1beta1
	authentication.k8s.io/v1 authentication.k8s.io/v1beta1 authentication.k8s.io/v1alpha1 authorization.k8s.io/v1
	authorization.k8s.io/v1beta1 autoscaling/v1 autoscaling/v2 autoscaling/v2beta1 autoscaling/v2beta2 batch/v1
	batch/v1beta1 certificates.k8s.io/v1 certificates.k8s.io/v1beta1 certificates.k8s.io/v1alpha1
	coordination.k8s.io/v1 coordination.k8s.io/v1beta1 discovery.k8s.io/v1 discovery.k8s.io/v1beta1
	events.k8s.io/v1 events.k8s.io/v1beta1 extensions/v1beta1 flowcontrol.apiserver.k8s.io/v1alpha1
	flowcontrol.apiserver.k8s.io/v1beta1 flowcontrol.apiserver.k8s.io/v1beta2 flowcontrol.apiserver.k8s.io/v1beta3
	networking.k8s.io/v1 networking.k8s.io/v1beta1 networking.k8s.io/v1alpha1 node.k8s.io/v1 node.k8s.io/v1beta1
	node.k8s.io/v1alpha1 policy/v1 policy/v1beta1 rbac.authorization.k8s.io/v1 rbac.authorization.k8s.io/v1beta1
	rbac.authorization.k8s.io/v1alpha1 resource.k8s.io/v1alpha2 scheduling.k8s.io/v1 scheduling.k8s.io/v1beta1
	scheduling.k8s.io/v1alpha1 storage.k8s.io/v1 storage.k8s.io/v1beta1 storage.k8s.io/v1alpha1
	apiextensions.k8s.io/v1 apiextensions.k8s.io/v1beta1`)

// Capabilities is .Capabilities.
type Capabilities struct {
	KubeVersion KubeVersion
	APIVersions VersionSet
	HelmVersion struct{ Version, GitCommit, GitTreeState, GoVersion string }
}

// renderValues builds the top-level template data, like chartutil.ToRenderValues: it coalesces
// and schema-checks the values and checks the chart's kubeVersion against the cluster version.
func renderValues(c *Chart, user map[string]interface{}, o options) (map[string]interface{}, error) {
	caps := &Capabilities{KubeVersion: KubeVersion{Version: o.kubeVersion}, APIVersions: append(VersionSet{}, builtinAPIVersions...)}
	kv, err := semver.NewVersion(o.kubeVersion)
	if err != nil {
		return nil, fmt.Errorf("invalid kube version %q: %w", o.kubeVersion, err)
	}
	caps.KubeVersion.Major, caps.KubeVersion.Minor = strconv.FormatUint(kv.Major(), 10), strconv.FormatUint(kv.Minor(), 10)
	caps.APIVersions = append(caps.APIVersions, o.apiVersions...)
	caps.HelmVersion.Version = "v3.14.0" // a stand-in: this is not helm
	if c.Meta.KubeVersion != "" {
		cons, err := semver.NewConstraint(c.Meta.KubeVersion)
		if err != nil || !cons.Check(kv) {
			return nil, fmt.Errorf("chart requires kubeVersion: %s which is incompatible with Kubernetes %s", c.Meta.KubeVersion, o.kubeVersion)
		}
	}
	vals := coalesceValues(c.Values, user)
	if c.Schema != nil {
		if err := validateSchema(c.Schema, vals); err != nil {
			return nil, fmt.Errorf("values don't meet the specifications of the schema(s) in the following chart(s):\n%s:\n%s", c.Meta.Name, err)
		}
	}
	return map[string]interface{}{
		"Chart":        chartObject{c.Meta, true},
		"Capabilities": caps,
		"Release": map[string]interface{}{
			"Name": o.release, "Namespace": o.namespace, "IsUpgrade": o.isUpgrade, "IsInstall": !o.isUpgrade,
			"Revision": 1, "Service": "Helm",
		},
		"Values":    vals,
		"Files":     c.Files,
		"Subcharts": map[string]interface{}{},
	}, nil
}

// ---------------------------------------------------------------------------------------------
// Template engine (helm pkg/engine)

// funcMap is sprig's text function map without env and expandenv, plus Helm's own functions.
// include, tpl, required and fail are bound per render (engine.render).
func funcMap() template.FuncMap {
	f := sprig.TxtFuncMap()
	delete(f, "env")
	delete(f, "expandenv")
	f["toYaml"] = func(v interface{}) string {
		data, err := yaml.Marshal(v)
		if err != nil {
			return "" // Helm swallows marshalling errors inside templates
		}
		return strings.TrimSuffix(string(data), "\n")
	}
	f["fromYaml"] = func(s string) map[string]interface{} {
		m := map[string]interface{}{}
		if err := yaml.Unmarshal([]byte(s), &m); err != nil {
			m["Error"] = err.Error()
		}
		return m
	}
	f["fromYamlArray"] = func(s string) []interface{} {
		a := []interface{}{}
		if err := yaml.Unmarshal([]byte(s), &a); err != nil {
			a = []interface{}{err.Error()}
		}
		return a
	}
	f["toJson"] = func(v interface{}) string {
		data, err := json.Marshal(v)
		if err != nil {
			return ""
		}
		return string(data)
	}
	f["fromJson"] = func(s string) map[string]interface{} {
		m := map[string]interface{}{}
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			m["Error"] = err.Error()
		}
		return m
	}
	f["fromJsonArray"] = func(s string) []interface{} {
		a := []interface{}{}
		if err := json.Unmarshal([]byte(s), &a); err != nil {
			a = []interface{}{err.Error()}
		}
		return a
	}
	// helm template has no cluster: lookup finds nothing, and DNS lookups are disabled.
	f["lookup"] = func(string, string, string, string) (map[string]interface{}, error) {
		return map[string]interface{}{}, nil
	}
	f["getHostByName"] = func(string) string { return "" }
	// Placeholders so templates parse; engine.render binds the real ones.
	f["include"] = func(string, interface{}) string { return "not implemented" }
	f["tpl"] = func(string, interface{}) interface{} { return "not implemented" }
	f["required"] = func(string, interface{}) (interface{}, error) { return "not implemented", nil }
	return f
}

const recursionMax = 1000

// Errors from required and fail are wrapped so that cleanupExecError can pull the message out.
var warnRegex = regexp.MustCompile(`HELM_ERR_START((?s).*)HELM_ERR_END`)

func warnWrap(msg string) error { return errors.New("HELM_ERR_START" + msg + "HELM_ERR_END") }

// engine renders a chart's templates. In lint mode required and fail do not fail (as helm lint).
type engine struct{ lint bool }

// includeFunc renders a named template into a string, counting nested uses of each name.
func includeFunc(t *template.Template, included map[string]int) func(string, interface{}) (string, error) {
	return func(name string, data interface{}) (string, error) {
		if included[name] > recursionMax {
			return "", fmt.Errorf("rendering template has a nested reference name: %s: unable to execute template", name)
		}
		included[name]++
		defer func() { included[name]-- }()
		var buf strings.Builder
		err := t.ExecuteTemplate(&buf, name, data)
		return buf.String(), err
	}
}

// tplFunc renders a string as a template with the given data. It works on a clone of the
// parsed templates, so defines are shared both ways without leaking into the chart's set.
func tplFunc(parent *template.Template, included map[string]int) func(string, interface{}) (string, error) {
	return func(text string, data interface{}) (string, error) {
		t, err := parent.Clone()
		if err != nil {
			return "", fmt.Errorf("cannot clone template: %w", err)
		}
		t.Option("missingkey=zero")
		t.Funcs(template.FuncMap{"include": includeFunc(t, included), "tpl": tplFunc(t, included)})
		if t, err = t.New(parent.Name()).Parse(text); err != nil {
			return "", fmt.Errorf("cannot parse template %q: %w", text, err)
		}
		var buf strings.Builder
		if err := t.Execute(&buf, data); err != nil {
			return "", fmt.Errorf("error during tpl function execution for %q: %w", text, err)
		}
		return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
	}
}

// render parses every template into one set (so defines are shared), then executes each
// non-partial template. The result maps "<chart>/templates/<file>" to its output.
func (e engine) render(c *Chart, top map[string]interface{}) (out map[string]string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("rendering template failed: %v", r)
		}
	}()
	t := template.New("gotpl").Option("missingkey=zero")
	f := funcMap()
	included := map[string]int{}
	f["include"] = includeFunc(t, included)
	f["tpl"] = tplFunc(t, included)
	f["required"] = func(msg string, val interface{}) (interface{}, error) {
		if s, isString := val.(string); val == nil || (isString && s == "") {
			if e.lint {
				return "", nil
			}
			return val, warnWrap(msg)
		}
		return val, nil
	}
	f["fail"] = func(msg string) (string, error) {
		if e.lint {
			return "", nil
		}
		return "", warnWrap(msg)
	}
	t.Funcs(f)

	names := parseOrder(c.Templates)
	for _, name := range names {
		if _, err := t.New(name).Parse(c.Templates[name]); err != nil {
			return nil, cleanupParseError(name, err)
		}
	}
	out = map[string]string{}
	for _, name := range names {
		if strings.HasPrefix(path.Base(name), "_") {
			continue // partials only hold defines
		}
		top["Template"] = map[string]interface{}{"Name": name, "BasePath": c.Meta.Name + "/templates"}
		var buf strings.Builder
		if err := t.ExecuteTemplate(&buf, name, top); err != nil {
			return nil, cleanupExecError(err)
		}
		// missingkey=zero still prints "<no value>" for a missing key of an interface map.
		out[name] = strings.ReplaceAll(buf.String(), "<no value>", "")
	}
	return out, nil
}

// parseOrder is Helm's sortTemplates: deeper paths first, then reverse lexical order. It decides
// which of two same-named defines wins (the one parsed last).
func parseOrder(templates map[string]string) []string {
	names := make([]string, 0, len(templates))
	for n := range templates {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		ci, cj := strings.Count(names[i], "/"), strings.Count(names[j], "/")
		if ci == cj {
			return names[i] > names[j]
		}
		return ci > cj
	})
	return names
}

// cleanupParseError turns "template: <file>:<line>: <...>: <msg>" into Helm's short form.
func cleanupParseError(name string, err error) error {
	tokens := strings.Split(err.Error(), ": ")
	if len(tokens) == 1 {
		return fmt.Errorf("parse error in (%s): %s", name, err)
	}
	return fmt.Errorf("parse error at (%s): %s", tokens[1], tokens[len(tokens)-1])
}

// cleanupExecError shortens errors from required and fail to "execution error at (<where>): <msg>".
func cleanupExecError(err error) error {
	if _, ok := err.(template.ExecError); !ok {
		return err
	}
	tokens := strings.SplitN(err.Error(), ": ", 3)
	if len(tokens) == 3 {
		if parts := warnRegex.FindStringSubmatch(tokens[2]); len(parts) >= 2 {
			return fmt.Errorf("execution error at (%s): %s", tokens[1], parts[1])
		}
	}
	return err
}

// ---------------------------------------------------------------------------------------------
// Manifests (helm pkg/releaseutil) and `helm template` output

var manifestSep = regexp.MustCompile(`(?:^|\s*\n)---\s*`)

// splitManifests splits a rendered file into trimmed, non-empty YAML documents.
func splitManifests(s string) []string {
	var docs []string
	for _, d := range manifestSep.Split(strings.TrimSpace(s), -1) {
		if d = strings.TrimSpace(d); d != "" {
			docs = append(docs, d)
		}
	}
	return docs
}

type manifest struct{ source, content, kind string }

var installOrder = strings.Fields(`PriorityClass Namespace NetworkPolicy ResourceQuota LimitRange
	PodSecurityPolicy PodDisruptionBudget ServiceAccount Secret SecretList ConfigMap StorageClass PersistentVolume
	PersistentVolumeClaim CustomResourceDefinition ClusterRole ClusterRoleList ClusterRoleBinding
	ClusterRoleBindingList Role RoleList RoleBinding RoleBindingList Service DaemonSet Pod ReplicationController
	ReplicaSet Deployment HorizontalPodAutoscaler StatefulSet Job CronJob IngressClass Ingress APIService`)

var hookEvents = map[string]bool{"pre-install": true, "post-install": true, "pre-delete": true, "post-delete": true,
	"pre-upgrade": true, "post-upgrade": true, "pre-rollback": true, "post-rollback": true, "test": true, "test-success": true}

// sortManifests splits the rendered files (in file-name order) into documents, separates hooks
// (helm.sh/hook annotation) from the rest and sorts both by kind in Helm's install order.
func sortManifests(files map[string]string) (generic, hooks []manifest, err error) {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		for _, doc := range splitManifests(files[name]) {
			var head struct {
				Version  string `json:"apiVersion"`
				Kind     string `json:"kind,omitempty"`
				Metadata *struct {
					Name        string            `json:"name"`
					Annotations map[string]string `json:"annotations"`
				} `json:"metadata,omitempty"`
			}
			if err := yaml.Unmarshal([]byte(doc), &head); err != nil {
				return nil, nil, fmt.Errorf("YAML parse error on %s: %w", name, err)
			}
			m := manifest{name, doc, head.Kind}
			hook := ""
			if head.Metadata != nil {
				hook = head.Metadata.Annotations["helm.sh/hook"]
			}
			if hook == "" {
				generic = append(generic, m)
				continue
			}
			known := true
			for _, h := range strings.Split(hook, ",") {
				known = known && hookEvents[strings.ToLower(strings.TrimSpace(h))]
			}
			if !known {
				fmt.Fprintf(os.Stderr, "info: skipping unknown hook: %q\n", hook)
				continue // Helm drops documents with an unknown hook
			}
			hooks = append(hooks, m)
		}
	}
	return sortByKind(generic), sortByKind(hooks), nil
}

// sortByKind: known kinds in install order, then unknown kinds alphabetically; stable otherwise.
func sortByKind(ms []manifest) []manifest {
	rank := map[string]int{}
	for i, k := range installOrder {
		rank[k] = i
	}
	sort.SliceStable(ms, func(i, j int) bool {
		a, aok := rank[ms[i].kind]
		b, bok := rank[ms[j].kind]
		switch {
		case !aok && !bok:
			return ms[i].kind < ms[j].kind
		case !aok || !bok:
			return aok
		}
		return a < b
	})
	return ms
}

// runTemplate is `helm template`: render, drop NOTES.txt, print manifests then hooks.
func runTemplate(o options) error {
	if err := validateReleaseName(o.release); err != nil {
		return err
	}
	c, err := loadChart(o.chartDir)
	if err != nil {
		return err
	}
	if c.Meta.Type == "library" {
		return errors.New("validation: chart.metadata.type library not installable")
	}
	user, err := userValues(o)
	if err != nil {
		return err
	}
	top, err := renderValues(c, user, o)
	if err != nil {
		return err
	}
	files, err := engine{}.render(c, top)
	if err != nil {
		return err
	}
	for name := range files {
		if strings.HasSuffix(name, "NOTES.txt") {
			delete(files, name)
		}
	}
	generic, hooks, err := sortManifests(files)
	if err != nil {
		return err
	}
	var b strings.Builder
	for _, m := range generic {
		fmt.Fprintf(&b, "---\n# Source: %s\n%s\n", m.source, m.content)
	}
	out := strings.TrimSpace(b.String()) + "\n"
	for _, m := range hooks {
		out += fmt.Sprintf("---\n# Source: %s\n%s\n", m.source, m.content)
	}
	_, err = os.Stdout.WriteString(out)
	return err
}

var dns1123Subdomain = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)

// validateReleaseName is Helm's check on release names (DNS-1123 subdomain, at most 53 chars).
func validateReleaseName(name string) error {
	if name == "" || len(name) > 53 || !dns1123Subdomain.MatchString(name) {
		return fmt.Errorf("release name %q: invalid release name, must match regex %s and the length must not be longer than 53",
			name, dns1123Subdomain)
	}
	return nil
}

// ---------------------------------------------------------------------------------------------
// Lint (helm pkg/lint/rules)

type linter struct {
	messages []string
	failed   bool
}

func (l *linter) add(sev, where string, err error) {
	for _, line := range strings.Split(strings.TrimSpace(err.Error()), "\n") {
		l.messages = append(l.messages, fmt.Sprintf("[%s] %s: %s", sev, where, line))
	}
	l.failed = l.failed || sev == "ERROR"
}

var (
	dns1123Label = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	dns1035Label = regexp.MustCompile(`^[a-z]([-a-z0-9]*[a-z0-9])?$`)
)

// runLint checks Chart.yaml, values.yaml (+ schema), each template's syntax, and then renders
// the chart (release "test-release" unless --release; required/fail do not fail) and checks
// every rendered YAML document: it parses and has apiVersion, kind and a valid metadata.name.
func runLint(o options) int {
	l := &linter{}
	chartOK := lintChartfile(l, o.chartDir)

	vals := map[string]interface{}{}
	if data, err := os.ReadFile(filepath.Join(o.chartDir, "values.yaml")); err == nil {
		if vals, err = readValues(data); err != nil {
			l.add("ERROR", "values.yaml", fmt.Errorf("unable to parse YAML: %w", err))
			chartOK = false
		}
	}
	user, err := userValues(o)
	if err != nil {
		l.add("ERROR", "values.yaml", err)
		chartOK = false
	}
	if schema, err := os.ReadFile(filepath.Join(o.chartDir, "values.schema.json")); err == nil && chartOK {
		if !json.Valid(schema) {
			l.add("ERROR", "values.schema.json", errors.New("not valid JSON"))
			chartOK = false
		} else if err := validateSchema(schema, coalesceValues(vals, user)); err != nil {
			where := "values.yaml"
			if strings.HasPrefix(err.Error(), "unable to compile schema") {
				where = "values.schema.json"
			}
			l.add("ERROR", where, err)
			chartOK = false
		}
	}

	if fi, err := os.Stat(filepath.Join(o.chartDir, "templates")); err != nil || !fi.IsDir() {
		l.add("WARNING", "templates/", errors.New("directory not found"))
	}
	if c, err := loadChart(o.chartDir); err != nil {
		if chartOK {
			l.add("ERROR", "templates/", err)
		}
	} else if lintTemplates(l, c) && chartOK {
		top, err := renderValues(c, user, o)
		if err == nil {
			var files map[string]string
			if files, err = (engine{lint: true}).render(c, top); err == nil {
				lintRendered(l, c, files)
			}
		}
		if err != nil {
			l.add("ERROR", "templates/", err)
		}
	}

	fmt.Printf("==> Linting %s\n", o.chartDir)
	for _, m := range l.messages {
		fmt.Println(m)
	}
	fmt.Println()
	if l.failed {
		fmt.Fprintln(os.Stderr, "Error: 1 chart(s) linted, 1 chart(s) failed")
		return 1
	}
	fmt.Println("1 chart(s) linted, 0 chart(s) failed")
	return 0
}

// lintChartfile checks Chart.yaml; it returns false when the chart cannot be rendered.
func lintChartfile(l *linter, dir string) bool {
	raw, err := os.ReadFile(filepath.Join(dir, "Chart.yaml"))
	if err != nil {
		l.add("ERROR", "Chart.yaml", errors.New("file does not exist"))
		return false
	}
	var md Metadata
	if err := yaml.Unmarshal(raw, &md); err != nil {
		l.add("ERROR", "Chart.yaml", fmt.Errorf("unable to parse YAML: %w", err))
		return false
	}
	errors0 := 0
	errorIf := func(bad bool, format string, args ...interface{}) {
		if bad {
			l.add("ERROR", "Chart.yaml", fmt.Errorf(format, args...))
			errors0++
		}
	}
	errorIf(md.Name == "", "name is required")
	errorIf(md.Name != "" && md.Name != filepath.Base(filepath.Clean(dir)),
		"chart name %q does not match the directory name %q", md.Name, filepath.Base(filepath.Clean(dir)))
	errorIf(md.APIVersion == "", `apiVersion is required. The value must be either "v1" or "v2"`)
	errorIf(md.APIVersion != "" && md.APIVersion != "v1" && md.APIVersion != "v2",
		`apiVersion '%s' is not valid. The value must be either "v1" or "v2"`, md.APIVersion)
	if md.APIVersion == "v1" {
		l.add("WARNING", "Chart.yaml", errors.New(`apiVersion "v1" is Helm 2's chart format; use "v2"`))
	}
	errorIf(md.Version == "", "version is required")
	if v, err := semver.NewVersion(md.Version); md.Version != "" && err != nil {
		errorIf(true, "version '%s' is not a valid SemVer", md.Version)
	} else if c, _ := semver.NewConstraint(">0.0.0-0"); md.Version != "" && !c.Check(v) {
		errorIf(true, "version '%s' must be greater than 0.0.0-0", md.Version)
	}
	if md.KubeVersion != "" {
		_, err := semver.NewConstraint(md.KubeVersion)
		errorIf(err != nil, "kubeVersion '%s' is not a valid SemVer constraint", md.KubeVersion)
	}
	errorIf(md.Type != "" && md.Type != "application" && md.Type != "library", "chart type must be application or library")
	for _, m := range md.Maintainers {
		errorIf(m == nil || m.Name == "", "each maintainer requires a name")
	}
	errorIf(len(md.Dependencies) > 0, "dependencies (subcharts) are not supported by helm-render")
	return errors0 == 0
}

// lintTemplates checks each template file on its own: extension, syntax, no .Release.Time.
func lintTemplates(l *linter, c *Chart) bool {
	ok := true
	funcs := funcMap()
	for _, name := range parseOrder(c.Templates) {
		where := strings.TrimPrefix(name, c.Meta.Name+"/")
		if ext := path.Ext(name); ext != ".yaml" && ext != ".yml" && ext != ".tpl" && ext != ".txt" {
			l.add("ERROR", where, fmt.Errorf("file extension '%s' not valid. Valid extensions are .yaml, .yml, .tpl, or .txt", ext))
		}
		if strings.Contains(c.Templates[name], ".Release.Time") {
			l.add("ERROR", where, errors.New(".Release.Time has been removed in v3, please replace with the `now` function in your templates"))
		}
		if _, err := template.New(name).Funcs(funcs).Parse(c.Templates[name]); err != nil {
			l.add("ERROR", where, cleanupParseError(name, err))
			ok = false
		}
	}
	return ok
}

// lintRendered checks every document of every rendered .yaml/.yml template.
func lintRendered(l *linter, c *Chart, files map[string]string) {
	for _, name := range parseOrder(files) {
		where := strings.TrimPrefix(name, c.Meta.Name+"/")
		if ext := path.Ext(name); ext != ".yaml" && ext != ".yml" {
			continue
		}
		for _, doc := range splitManifests(files[name]) {
			var obj map[string]interface{}
			if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
				l.add("ERROR", where, fmt.Errorf("unable to parse YAML: %w", err))
				continue
			}
			if obj == nil {
				continue // only comments
			}
			meta, _ := obj["metadata"].(map[string]interface{})
			kind, _ := obj["kind"].(string)
			name, _ := meta["name"].(string)
			switch {
			case obj["apiVersion"] == nil || obj["apiVersion"] == "":
				l.add("ERROR", where, errors.New("object has no apiVersion"))
			case kind == "":
				l.add("ERROR", where, errors.New("object has no kind"))
			case name == "" && meta["generateName"] != nil:
			case name == "":
				l.add("ERROR", where, fmt.Errorf("%s has no metadata.name", kind))
			case kind == "Service" && (len(name) > 63 || !dns1035Label.MatchString(name)):
				l.add("ERROR", where, fmt.Errorf("Service name %q must be a DNS-1035 label (at most 63 characters)", name))
			case kind == "Namespace" && (len(name) > 63 || !dns1123Label.MatchString(name)):
				l.add("ERROR", where, fmt.Errorf("Namespace name %q must be a DNS-1123 label (at most 63 characters)", name))
			case len(name) > 253 || !dns1123Subdomain.MatchString(name):
				l.add("ERROR", where, fmt.Errorf("object name does not conform to Kubernetes naming requirements: %q", name))
			case len(name) > 63:
				l.add("WARNING", where, fmt.Errorf("%s name %q is longer than 63 characters", kind, name))
			}
		}
	}
}

// ---------------------------------------------------------------------------------------------
// Command line

type options struct {
	chartDir, release, namespace, kubeVersion string
	valueFiles, sets, setStrings, apiVersions []string
	isUpgrade                                 bool
}

func parseArgs(args []string) (options, error) {
	o := options{release: "release-name", namespace: "default", kubeVersion: "v1.27.0"}
	var positional []string
	for i := 0; i < len(args); i++ {
		name, value, hasValue := strings.Cut(args[i], "=")
		if !strings.HasPrefix(name, "-") {
			positional = append(positional, args[i])
			continue
		}
		if name == "--is-upgrade" {
			o.isUpgrade = true
			continue
		}
		if !hasValue {
			if i+1 >= len(args) {
				return o, fmt.Errorf("flag needs an argument: %s", name)
			}
			i++
			value = args[i]
		}
		switch name {
		case "--release":
			o.release = value
		case "-n", "--namespace":
			o.namespace = value
		case "-f", "--values":
			o.valueFiles = append(o.valueFiles, value)
		case "--set":
			o.sets = append(o.sets, value)
		case "--set-string":
			o.setStrings = append(o.setStrings, value)
		case "--kube-version":
			o.kubeVersion = value
		case "-a", "--api-versions":
			o.apiVersions = append(o.apiVersions, strings.Split(value, ",")...)
		default:
			return o, fmt.Errorf("unknown flag: %s", name)
		}
	}
	switch len(positional) {
	case 1:
		o.chartDir = positional[0]
	case 2: // helm's `template NAME CHART`
		o.release, o.chartDir = positional[0], positional[1]
	default:
		return o, errors.New("expected a chart directory")
	}
	return o, nil
}

func main() {
	if len(os.Args) < 2 || (os.Args[1] != "template" && os.Args[1] != "lint") {
		fmt.Fprintln(os.Stderr, "usage: helm-render template|lint [NAME] <chartDir> [--release NAME] [--namespace NS] "+
			"[-f values.yaml]... [--set k=v]... [--set-string k=v]... [--is-upgrade] [--kube-version V] [--api-versions G/V]...")
		os.Exit(2)
	}
	o, err := parseArgs(os.Args[2:])
	if err == nil && os.Args[1] == "lint" {
		if o.release == "release-name" {
			o.release = "test-release" // helm lint renders as "test-release"
		}
		os.Exit(runLint(o))
	}
	if err == nil {
		err = runTemplate(o)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "Error: %s\n", err)
		os.Exit(1)
	}
}

package api

import (
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// openAPIDoc is what the tests read of the OpenAPI document.
type openAPIDoc struct {
	OpenAPI string `yaml:"openapi"`
	Info    struct {
		Title   string `yaml:"title"`
		Version string `yaml:"version"`
	} `yaml:"info"`
	Paths      map[string]map[string]yaml.Node `yaml:"paths"`
	Components map[string]map[string]yaml.Node `yaml:"components"`
}

type openAPIParameter struct {
	Ref      string `yaml:"$ref"`
	Name     string `yaml:"name"`
	In       string `yaml:"in"`
	Required bool   `yaml:"required"`
}

type openAPIOperation struct {
	OperationID string                    `yaml:"operationId"`
	Parameters  []openAPIParameter        `yaml:"parameters"`
	Responses   map[string]map[string]any `yaml:"responses"`
	Extra       map[string]yaml.Node      `yaml:",inline"`
}

var openAPIMethods = map[string]bool{"get": true, "put": true, "post": true, "delete": true, "options": true, "head": true, "patch": true, "trace": true}

// TestOpenAPIDocument checks that the served document is OpenAPI 3 that
// holds together: every $ref names a component, every path template's
// parameters are declared as required path parameters, every operation has
// a unique operationId and responses. (Package node checks that its paths
// are the node's routes.)
func TestOpenAPIDocument(t *testing.T) {
	var doc openAPIDoc
	if err := yaml.Unmarshal([]byte(OpenAPI), &doc); err != nil {
		t.Fatalf("parse: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") || doc.Info.Title == "" || doc.Info.Version == "" || len(doc.Paths) == 0 {
		t.Fatalf("not an OpenAPI 3 document: openapi %q, info %+v, %d paths", doc.OpenAPI, doc.Info, len(doc.Paths))
	}
	for _, ref := range regexp.MustCompile(`\$ref: "([^"]*)"`).FindAllStringSubmatch(OpenAPI, -1) {
		kind, name, ok := strings.Cut(strings.TrimPrefix(ref[1], "#/components/"), "/")
		if _, found := doc.Components[kind][name]; !ok || !found {
			t.Errorf("$ref %s names no component", ref[1])
		}
	}
	pathParam := func(p openAPIParameter) openAPIParameter {
		if name, ok := strings.CutPrefix(p.Ref, "#/components/parameters/"); ok {
			node := doc.Components["parameters"][name]
			var q openAPIParameter
			if err := node.Decode(&q); err != nil {
				t.Fatalf("parameter %s: %v", name, err)
			}
			return q
		}
		return p
	}
	ids := map[string]string{}
	for path, item := range doc.Paths {
		var shared []openAPIParameter
		if n, ok := item["parameters"]; ok {
			if err := n.Decode(&shared); err != nil {
				t.Fatalf("%s parameters: %v", path, err)
			}
		}
		ops := 0
		for method, n := range item {
			if method == "parameters" {
				continue
			}
			if !openAPIMethods[method] {
				t.Errorf("%s: %q is not an HTTP method", path, method)
				continue
			}
			ops++
			var op openAPIOperation
			if err := n.Decode(&op); err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			if op.OperationID == "" || ids[op.OperationID] != "" || len(op.Responses) == 0 {
				t.Errorf("%s %s: operationId %q (also %q), %d responses", method, path, op.OperationID, ids[op.OperationID], len(op.Responses))
			}
			ids[op.OperationID] = method + " " + path
			declared := map[string]bool{}
			for _, p := range append(append([]openAPIParameter(nil), shared...), op.Parameters...) {
				if p = pathParam(p); p.In == "path" && p.Required {
					declared[p.Name] = true
				}
			}
			for _, m := range regexp.MustCompile(`\{([^}]*)\}`).FindAllStringSubmatch(path, -1) {
				if !declared[m[1]] {
					t.Errorf("%s %s: path parameter %s not declared", method, path, m[1])
				}
			}
		}
		if ops == 0 {
			t.Errorf("%s has no operation", path)
		}
	}
}

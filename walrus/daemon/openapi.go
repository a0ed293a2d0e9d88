package daemon

import (
	_ "embed"
	"fmt"
	"net/http"
	"strings"

	"gopkg.in/yaml.v3"
)

// openapiYAML describes every route the package can serve; a server
// returns it without the routes it does not serve.
//
//go:embed openapi.yaml
var openapiYAML []byte

// apiDocument returns the OpenAPI document of routes: openapiYAML with
// only their paths and methods.
func apiDocument(routes []route) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(openapiYAML, &doc); err != nil {
		return nil, fmt.Errorf("daemon: openapi.yaml: %w", err)
	}
	paths := mapValue(doc.Content[0], "paths")
	if paths == nil {
		return nil, fmt.Errorf("daemon: openapi.yaml has no paths")
	}
	served := map[string]map[string]bool{}
	for _, r := range routes {
		if served[r.path] == nil {
			served[r.path] = map[string]bool{}
		}
		served[r.path][strings.ToLower(r.method)] = true
	}
	var kept []*yaml.Node
	for i := 0; i+1 < len(paths.Content); i += 2 {
		path, ops := paths.Content[i], paths.Content[i+1]
		var keptOps []*yaml.Node
		for j := 0; j+1 < len(ops.Content); j += 2 {
			if served[path.Value][ops.Content[j].Value] {
				keptOps = append(keptOps, ops.Content[j], ops.Content[j+1])
			}
		}
		if keptOps != nil {
			ops.Content = keptOps
			kept = append(kept, path, ops)
		}
	}
	paths.Content = kept
	return yaml.Marshal(&doc)
}

// mapValue returns the value of key in a YAML mapping, or nil.
func mapValue(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// api serves the OpenAPI document of the routes served.
func (s *Server) api(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/yaml")
	w.Write(s.doc)
}

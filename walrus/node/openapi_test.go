package node_test

import (
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/walrusfs/walrusfs/walrus/api"
	"github.com/walrusfs/walrusfs/walrus/node"
)

// wildcard matches a path segment's name, in a ServeMux pattern or an
// OpenAPI path template: the names differ ({id} and {blob_id}).
var wildcard = regexp.MustCompile(`\{[^}]*\}`)

// TestOpenAPIMatchesRoutes checks that the OpenAPI document describes each
// route the node serves and no other, method by method.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]yaml.Node `yaml:"paths"`
	}
	if err := yaml.Unmarshal([]byte(api.OpenAPI), &doc); err != nil {
		t.Fatalf("parse the OpenAPI document: %v", err)
	}
	var documented []string
	for path, item := range doc.Paths {
		for method := range item {
			if method != "parameters" {
				documented = append(documented, strings.ToUpper(method)+" "+wildcard.ReplaceAllString(path, "{}"))
			}
		}
	}
	var served []string
	for _, p := range node.RoutePatterns() {
		served = append(served, wildcard.ReplaceAllString(p, "{}"))
	}
	slices.Sort(documented)
	slices.Sort(served)
	for _, r := range served {
		if !slices.Contains(documented, r) {
			t.Errorf("route %s is not in the OpenAPI document", r)
		}
	}
	for _, r := range documented {
		if !slices.Contains(served, r) {
			t.Errorf("the OpenAPI document describes %s, which the node does not serve", r)
		}
	}
}

// TestOpenAPIServed: GET /v1/api answers the document as YAML.
func TestOpenAPIServed(t *testing.T) {
	srv := startStatusNode(t)
	resp, err := http.Get(srv.URL + api.OpenAPIPath)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != api.ContentTypeYAML || string(body) != api.OpenAPI {
		t.Fatalf("GET %s: %d %q, %d bytes", api.OpenAPIPath, resp.StatusCode, resp.Header.Get("Content-Type"), len(body))
	}
}

package api

import _ "embed" // for OpenAPI

// OpenAPIPath is GET of the OpenAPI document of the node's API.
const OpenAPIPath = "/v1/api"

// ContentTypeYAML is the type of YAML bodies (RFC 9512).
const ContentTypeYAML = "application/yaml"

// OpenAPI is the OpenAPI 3 document, in YAML, of the routes walrusfs's
// nodes serve. Walrus's nodes serve theirs at the same path inside a Redoc
// page; this is the bare document, which tools read directly. A test in
// package node checks it against the node's routes.
//
//go:embed openapi.yaml
var OpenAPI string

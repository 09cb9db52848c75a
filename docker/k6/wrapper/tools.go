//go:build tools

// Package k6build exists only so that `go mod tidy` keeps k6's dependency graph.
package k6build

import _ "go.k6.io/k6/v2/cmd"

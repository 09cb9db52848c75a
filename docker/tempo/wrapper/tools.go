//go:build tools

// Package tempobuild exists only so that `go mod tidy` keeps Tempo's dependency graph.
package tempobuild

import _ "github.com/grafana/tempo/pkg/util"

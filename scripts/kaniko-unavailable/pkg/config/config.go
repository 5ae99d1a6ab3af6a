// Package config declares the option types lifecycle's extender passes to kaniko.
package config

import "time"

var KanikoDir = "/kaniko"

type CacheOptions struct{ CacheTTL time.Duration }

type RegistryOptions struct{}

type KanikoOptions struct {
	BuildArgs         []string
	Cache             bool
	CacheOptions      CacheOptions
	CacheRunLayers    bool
	CacheCopyLayers   bool
	CacheRepo         string
	Cleanup           bool
	CustomPlatform    string
	DockerfilePath    string
	IgnorePaths       []string
	IgnoreVarRun      bool
	InitialFSUnpacked bool
	NoPush            bool
	Reproducible      bool
	SnapshotMode      string
	SrcContext        string
}

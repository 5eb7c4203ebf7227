package main

import "runtime/debug"

// version is stamped at build time with -ldflags "-X main.version=..." (the Dockerfile passes its
// VERSION build argument). Left at "dev", versionString reads the build info instead.
var version = "dev"

// versionString is the version the bot reports (`mdebot version`, the start log line, `status`).
func versionString() string {
	bi, _ := debug.ReadBuildInfo()
	return resolveVersion(version, bi)
}

// resolveVersion prefers a stamped version; then the VCS revision that `go build` records in a
// git checkout (12 characters, "-dirty" when the tree had uncommitted changes); then the module
// version (a `go install ...@v1.2.3` build); and "dev" when there is none of these, as in
// `go run` and `go test`, which do not record VCS information.
func resolveVersion(stamped string, bi *debug.BuildInfo) string {
	if stamped != "" && stamped != "dev" {
		return stamped
	}
	if bi == nil {
		return "dev"
	}
	var rev string
	var dirty bool
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if dirty {
			rev += "-dirty"
		}
		return rev
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	return "dev"
}

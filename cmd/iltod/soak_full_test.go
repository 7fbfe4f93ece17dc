//go:build soak

package main

// The full soak of docs/faults.md:
//
//	ILTOD_TEST_POSTGRES=postgres://… go test -tags soak -run TestSoak -v -timeout 30m ./cmd/iltod
//
// It restarts the PostgreSQL server named by ILTOD_TEST_POSTGRES (on this machine, with
// pg_ctlcluster): run it where nobody else uses that server.
func init() {
	soakFull = &soakPlan{Kills: 100, PGKills: 20, DiskFull: true, ReadOnly: true, PGRestart: 3, LoadCrashes: 10, ImportCrashes: 10}
}

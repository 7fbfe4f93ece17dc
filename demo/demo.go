// Package demo ships a demonstration election package: Mongolia's State Great Khural
// election of 28 June 2024, built on the real geography and electoral structure with
// invented figures. It is for demonstration and testing only: the registered voters of
// each polling station, the parties, candidates, observers and phone numbers are
// fictional, and the package says so (its election is marked demo, and its names end in
// "(demonstration data)" and "(жишээ өгөгдөл)").
//
// What is real, as far as hand-checked data can be (see geo/mongolia.yaml, which lists
// what is uncertain): the 21 aimags and Ulaanbaatar, 329 soums, Ulaanbaatar's 9 districts
// with approximate khoroo counts, the 126 seats of the State Great Khural in 13 block-vote
// constituencies (78 seats) and a national party list (48 seats), and the reported total of
// 2,063,924 registered voters, about half of them in Ulaanbaatar. The list's 4% threshold
// and its largest-remainder (Hare) allocation are reported but unconfirmed.
//
// Codes:
//   - MN is the country; a region is MN-XX, where MN.XX is its id in the Natural Earth
//     map of Mongolia (MN-AR is Arkhangai, MN.AR; MN-UB is Ulaanbaatar, MN.UB).
//   - A soum is MN-XX-NN, numbered in the order of geo/mongolia.yaml, the aimag centre
//     first (01); an Ulaanbaatar district is MN-UB-KEY (MN-UB-BZD is Bayanzürkh) and its
//     khoroos MN-UB-KEY-NN.
//   - A polling station is its area's code without the leading "MN-" and a station
//     number: AR-01.03 (Arkhangai, soum 01, station 3), UB-BZD-12.02.
//   - Station strata: "ulaanbaatar", "aimag-centre", "rural".
//   - Contests C01 to C13 are the constituencies, LIST the national party list, in body
//     "sgk" with tiers "constituency" and "list".
//
// The package is generated: edit geo/mongolia.yaml or gen/, then run go generate.
package demo

import (
	"embed"
	"io/fs"
)

//go:generate go run ./gen -geo geo/mongolia.yaml -out mongolia2024

// ElectionID is the id of the demonstration election.
const ElectionID = "mn-2024-sgk-demo"

//go:embed all:mongolia2024
var files embed.FS

// Package returns the demonstration election package, rooted at the package folder so
// that election.yaml is at its root. Read it with electionpkg.Read.
func Package() fs.FS {
	sub, err := fs.Sub(files, "mongolia2024")
	if err != nil {
		panic(err) // cannot happen: the folder is embedded at build time
	}
	return sub
}

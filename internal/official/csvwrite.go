package official

import (
	"cmp"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/iltod/iltod"
)

// CSVHeader is the header WriteCSV writes: the long layout of the default Mapping, with
// the area column that holds the area of an area's collated total (empty on the rows of a
// station's result).
var CSVHeader = []string{"station", "area", "contest", "choice", "votes"}

// WriteCSV writes results, station results and area totals alike, in the long layout of
// the default Mapping, which ReadCSV reads back into the same results: a header
// (CSVHeader), then for each result, in the order of iltod.SortResults (station results
// by station and contest, then area totals by area and contest), a row per count given,
// in the order of iltod.ResultCounts, with the count's name in the choice column, then a
// row per choice given, in code order. A station result's rows leave the area column
// empty, an area total's the station column. It returns an error, having written nothing,
// if a result is invalid or names a choice whose code is the name of a count, which the
// layout could not tell apart.
func WriteCSV(w io.Writer, results []iltod.StationResult) error {
	for i := range results {
		r := &results[i]
		if err := r.Validate(); err != nil {
			place := fmt.Sprintf("station %q", r.Station)
			if r.IsTotal() {
				place = fmt.Sprintf("area %q", r.Area)
			}
			return fmt.Errorf("result %d (%s, contest %q): %w", i+1, place, r.Contest, err)
		}
		for c := range r.Votes {
			if iltod.IsResultCount(iltod.CountKind(c)) {
				return fmt.Errorf("result %d: choice %q has the name of a count; the long layout cannot tell them apart", i+1, c)
			}
		}
	}
	order := make([]int, len(results))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return compareResults(&results[a], &results[b]) })
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	row := make([]string, 5)
	for _, i := range order {
		r := &results[i]
		row[0], row[1], row[2] = r.Station, r.Area, r.Contest
		for _, k := range iltod.ResultCounts {
			if n, ok := r.Counts[k]; ok {
				row[3], row[4] = string(k), strconv.Itoa(n)
				if err := cw.Write(row); err != nil {
					return err
				}
			}
		}
		for _, c := range sortedKeys(r.Votes) {
			row[3], row[4] = c, strconv.Itoa(r.Votes[c])
			if err := cw.Write(row); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// compareResults orders results as iltod.SortResults does: station results by station
// and contest, then area totals by area and contest.
func compareResults(a, b *iltod.StationResult) int {
	if at, bt := a.IsTotal(), b.IsTotal(); at != bt {
		if at {
			return 1
		}
		return -1
	}
	return cmp.Or(strings.Compare(a.Station, b.Station), strings.Compare(a.Area, b.Area), strings.Compare(a.Contest, b.Contest))
}

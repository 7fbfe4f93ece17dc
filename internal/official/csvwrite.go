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

// CSVHeader is the header WriteCSV writes: the long layout of the default Mapping.
var CSVHeader = []string{"station", "contest", "choice", "votes"}

// WriteCSV writes results in the long layout of the default Mapping, which ReadCSV reads
// back into the same results: a header (CSVHeader), then for each result, in station and
// contest order, a row per count given, in the order of iltod.ResultCounts, with the
// count's name in the choice column, then a row per choice given, in code order. It
// returns an error, having written nothing, if a result is invalid or names a choice
// whose code is the name of a count, which the layout could not tell apart.
func WriteCSV(w io.Writer, results []iltod.StationResult) error {
	for i := range results {
		r := &results[i]
		if err := r.Validate(); err != nil {
			return fmt.Errorf("result %d (station %q, contest %q): %w", i+1, r.Station, r.Contest, err)
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
	slices.SortFunc(order, func(a, b int) int {
		ra, rb := &results[a], &results[b]
		return cmp.Or(strings.Compare(ra.Station, rb.Station), strings.Compare(ra.Contest, rb.Contest))
	})
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	row := make([]string, 4)
	for _, i := range order {
		r := &results[i]
		row[0], row[1] = r.Station, r.Contest
		for _, k := range iltod.ResultCounts {
			if n, ok := r.Counts[k]; ok {
				row[2], row[3] = string(k), strconv.Itoa(n)
				if err := cw.Write(row); err != nil {
					return err
				}
			}
		}
		for _, c := range sortedKeys(r.Votes) {
			row[2], row[3] = c, strconv.Itoa(r.Votes[c])
			if err := cw.Write(row); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

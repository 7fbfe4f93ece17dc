// Package official reads official results into iltod.StationResults, and writes results
// back out, in the formats docs/official-results.md describes. Results are station
// results and the collated totals an authority published for areas (an
// iltod.StationResult with Area set), in every format:
//
//   - CSV in a long layout (one row per figure, as OpenElections files are) or a wide one
//     (a column per choice and per count), either described by a Mapping of columns to
//     codes, written in code or read from a small YAML or JSON file with ParseMapping;
//   - NIST SP 1500-100 v2 election reports in JSON, validated against NIST's published
//     JSON Schema, which is embedded (see NIST_SCHEMA_SOURCE.md).
//
// Reading is all or nothing: ReadCSV and ReadNIST check every figure against the
// election (unknown stations, areas, contests and choices, stations and areas outside a
// contest, numbers that are not whole, negative or too large, figures given twice) and return either
// results that pass iltod.CheckResults, or an *Error that names every problem's line and
// column, or JSON path, and no results. The store's ImportOfficial checks them again, in
// the transaction that stores them with their event.
//
// WriteCSV writes results in the default long layout, which ReadCSV reads back to the
// same results. WriteNIST writes any per-station results and area totals, official or
// observed, as a NIST report that validates against the schema; ReadNIST reads back what
// NISTProfile says the format carries.
package official

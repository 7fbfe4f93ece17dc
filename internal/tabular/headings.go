package tabular

import "github.com/iltod/iltod/locales"

// headings names the catalogue message that heads each column for people, by the
// column's name in CSV and JSON. Every table the command line prints takes its columns
// from here, so that a column has one heading wherever it appears.
var headings = map[string]string{
	"stratum":                           "cli.column.stratum",
	"station":                           "cli.column.station",
	"role":                              "cli.column.role",
	"figure":                            "cli.column.figure",
	"value":                             "cli.column.value",
	"estimate":                          "cli.column.estimate",
	"SE":                                "cli.column.se",
	"95% interval":                      "cli.column.interval95",
	"99% interval":                      "cli.column.interval99",
	"reported":                          "cli.column.reported",
	"population":                        "cli.column.population",
	"sampled":                           "cli.column.sampled",
	"D":                                 "cli.column.d",
	"differences (observed → official)": "cli.column.differences",
	"choice":                            "cli.column.choice",
	"paired D̂":                         "cli.column.paired_d",
	"z":                                 "cli.column.z",
	"verdict":                           "cli.column.verdict",
	"stations' p̂":                      "cli.column.stations_p",
	"national":                          "cli.column.national",
	"diagnosis":                         "cli.column.diagnosis",
	"rule":                              "cli.column.rule",
	"area":                              "cli.column.area",
	"turnout":                           "cli.column.turnout",
	"share":                             "cli.column.share",
	"registered":                        "cli.column.registered",
	"stations with":                     "cli.column.stations_with",
	"observed":                          "cli.column.observed",
	"expected":                          "cli.column.expected",
	"SD":                                "cli.column.sd",
	"excess":                            "cli.column.excess",
	"mean":                              "cli.column.mean",
	"p":                                 "cli.column.p",
	"turnout up to":                     "cli.column.turnout_up_to",
	"stations":                          "cli.column.stations",
	"leader's votes":                    "cli.column.leader_votes",
	"others' votes":                     "cli.column.others_votes",
	"test":                              "cli.column.test",
	"counts":                            "cli.column.counts",
	"skipped":                           "cli.column.skipped",
	"χ²":                                "cli.column.chi2",
	"df":                                "cli.column.df",
	"mean z":                            "cli.column.mean_z",
	"party":                             "cli.column.party",
	"votes":                             "cli.column.votes",
	"seats":                             "cli.column.seats",
	"note":                              "cli.column.note",
	"contest":                           "cli.column.contest",
	"source":                            "cli.column.source",
	"screen":                            "cli.column.screen",
	"result":                            "cli.column.result",
	"z / p":                             "cli.column.z_p",
	"exact":                             "cli.column.exact",
	"flagged":                           "cli.column.flagged",
	"paired z":                          "cli.column.paired_z",
	"collation z":                       "cli.column.collation_z",
	"official":                          "cli.column.official",
	"check":                             "cli.column.check",
	"body":                              "cli.column.body",
	"projected":                         "cli.column.projected",
	"range":                             "cli.column.range",
	"difference":                        "cli.column.difference",
	"login":                             "cli.column.login",
	"state":                             "cli.column.state",
	"changed":                           "cli.column.changed",
	"name":                              "cli.column.name",
	"areas":                             "cli.column.areas",
	"region":                            "cli.seat_rules.column_region",
	"won":                               "cli.seat_rules.column_won",
	"list":                              "cli.seat_rules.column_list",
	"overhang":                          "cli.seat_rules.column_overhang",
	"tier":                              "cli.seat_rules.column_tier",
}

// Heading returns the heading of the column name in p's language. It panics for a name
// that has no heading: a table's columns are fixed in code, and a test prints each.
func Heading(p *locales.Printer, name string) string {
	key, ok := headings[name]
	if !ok {
		panic("tabular: no heading for the column " + name)
	}
	return p.T(key)
}

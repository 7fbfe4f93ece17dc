package main

import (
	"flag"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strings"

	"github.com/iltod/iltod/locales"
)

// Every flag's usage is the key of its message in the catalogue (cli.flag.*), written in
// the command's language when the usage is printed. flagArgs fills the placeholders those
// messages share: the names of the environment variables that give flags their defaults.
var flagArgs = locales.Args{
	"EnvData": envDataDir, "EnvDSN": envDSN, "EnvAddr": envAddr, "EnvOrigin": envOrigin, "EnvPolicy": envPolicy,
	"EnvTLSCert": envTLSCert, "EnvTLSKey": envTLSKey, "EnvTLSAuto": envTLSAuto,
	"EnvGateways": envGateways, "EnvRecipients": envRecipients, "EnvMirrors": envMirrors,
}

// langFlag is the -lang flag every command takes. The language is chosen before the flags
// are parsed (see language), so that their errors are written in it; the flag is
// registered so that it is accepted and listed.
const langFlag = "lang"

// newFlagSet returns the flag set of the command name, which reports errors instead of
// exiting, takes -lang, and prints its usage in p's language: synopsis (the command's
// arguments, written with flag names and metavariables such as FILE, which are the same in
// every language), then the message about, if not "", then every flag.
func newFlagSet(p *locales.Printer, name string, stderr io.Writer, synopsis, about string) *flag.FlagSet {
	fs := flag.NewFlagSet("iltod "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // parse writes the flag package's errors in p's language
	fs.String(langFlag, p.Lang(), "cli.flag.lang")
	fs.Usage = func() {
		fmt.Fprintln(stderr, p.T("cli.usage_line", locales.Args{"Command": name, "Synopsis": synopsisIn(p, synopsis)}))
		if about != "" {
			fmt.Fprintf(stderr, "\n%s\n", p.T(about))
		}
		fmt.Fprintf(stderr, "\n%s\n", p.T("cli.flags"))
		printFlags(stderr, p, fs)
	}
	return fs
}

// synopsisIn writes a synopsis for p's language: "[flags]" in its words.
func synopsisIn(p *locales.Printer, synopsis string) string {
	return strings.ReplaceAll(synopsis, "[flags]", "["+p.T("cli.flags_word")+"]")
}

// printFlags writes fs's flags as flag.PrintDefaults does, their usage in p's language.
func printFlags(w io.Writer, p *locales.Printer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		g := *f
		g.Usage = p.T(f.Usage, flagArgs)
		var b strings.Builder
		fmt.Fprintf(&b, "  -%s", g.Name)
		name, usage := flag.UnquoteUsage(&g)
		if name != "" {
			b.WriteString(" " + name)
		}
		if b.Len() <= 4 {
			b.WriteString("\t")
		} else {
			b.WriteString("\n    \t")
		}
		b.WriteString(strings.ReplaceAll(usage, "\n", "\n    \t"))
		if !zeroDefault(&g) {
			b.WriteString(" " + p.T("cli.flag_default", locales.Args{"Value": g.DefValue}))
		}
		fmt.Fprintln(w, b.String())
	})
}

// zeroDefault reports whether f's default is its type's zero value, which usage does not
// show, as flag.PrintDefaults decides it.
func zeroDefault(f *flag.Flag) bool {
	t := reflect.TypeOf(f.Value)
	var z reflect.Value
	if t.Kind() == reflect.Pointer {
		z = reflect.New(t.Elem())
	} else {
		z = reflect.Zero(t)
	}
	v, ok := z.Interface().(flag.Value)
	if !ok {
		return true
	}
	return f.DefValue == v.String()
}

// flagErrors are the errors of package flag, by the message that says them in the
// catalogue; their submatches fill the message's placeholders Flag, Value and Reason.
var flagErrors = []struct {
	re   *regexp.Regexp
	key  string
	args []string
}{
	{regexp.MustCompile(`^flag provided but not defined: -(.*)$`), "cli.error.flag_undefined", []string{"Flag"}},
	{regexp.MustCompile(`^flag needs an argument: -(.*)$`), "cli.error.flag_argument", []string{"Flag"}},
	{regexp.MustCompile(`^invalid (?:boolean )?value (".*") for (?:flag )?-([^:]*): (.*)$`), "cli.error.flag_value", []string{"Value", "Flag", "Reason"}},
	{regexp.MustCompile(`^bad flag syntax: (.*)$`), "cli.error.flag_syntax", []string{"Value"}},
}

// parse parses args and turns flag errors into usage errors, in the catalogue's words
// where it knows the error. Package flag prints the usage on an error.
func parse(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if err == nil || err == flag.ErrHelp {
		return err
	}
	for _, fe := range flagErrors {
		m := fe.re.FindStringSubmatch(err.Error())
		if m == nil {
			continue
		}
		a := locales.Args{}
		for i, name := range fe.args {
			a[name] = m[i+1]
		}
		return usageErr(fe.key, a)
	}
	return usageError{err}
}

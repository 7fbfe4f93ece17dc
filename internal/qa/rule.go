package qa

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/iltod/iltod"
)

// Rule is a parsed QA rule expression: a condition on a report's answers that must hold.
// ParseRule checks only its syntax; ValidateForm checks it against a form, and Expand
// compiles it for a station. A Rule is immutable and safe for concurrent use.
//
// The language (docs/qa.md has the full description):
//
//	rule       = or
//	or         = and { "or" and }
//	and        = not { "and" not }
//	not        = "not" not | comparison
//	comparison = sum [ ( "==" | "!=" | "<" | "<=" | ">" | ">=" ) sum ]
//	sum        = product { ( "+" | "-" ) product }
//	product    = unary { "*" unary }
//	unary      = "-" unary | primary
//	primary    = INTEGER | STRING | TAG | "seats" | "registered" | "(" rule ")"
//	           | FUNCTION "(" argument { "," argument } ")"
//	argument   = rule | TAG "*"          (TAG "*" only in sum)
//	FUNCTION   = "sum" | "abs" | "min" | "max" | "answered" | "has"
//
// INTEGER is decimal digits, at most 9007199254740991 (2^53 − 1); STRING is an option
// code in double quotes; TAG is an answer tag (upper-case letters and digits, starting
// with a letter). Comparisons do not chain: "A < B < C" is an error. There is no
// division. Integer answers are numbers; yes_no answers are conditions (never 1 or 0);
// select_one answers compare with their option codes; select_multiple answers are
// tested with has; text and time answers only with answered. A missing or "not
// applicable" answer is unknown, and the logic is three-valued (Kleene): a rule that
// comes out unknown is skipped.
type Rule struct {
	root node
	src  string
}

// MaxRuleLen is the longest rule expression, in characters, that ParseRule accepts.
const MaxRuleLen = 1000

// maxDepth bounds the nesting of a rule, so that parsing and evaluation cannot exhaust
// the stack.
const maxDepth = 50

// SyntaxError is a rule that does not parse. Pos is the 1-based position, in characters,
// where the problem was found, and Msg what the problem is; its Error reads, in English,
// "at character 7: expected a value, found the end of the rule", and Message is the same
// as a message of the catalogue.
type SyntaxError struct {
	Pos int
	Msg iltod.Message
}

func (e *SyntaxError) Error() string { return e.Message().English() }

// Message returns the error as a message of the catalogue, to write in any language.
func (e *SyntaxError) Message() iltod.Message {
	return msg("qa.rule.at", args{"Pos": num(e.Pos), "Detail": e.Msg})
}

// syntaxErr returns a *SyntaxError at pos whose message is the catalogue's key with a.
func syntaxErr(pos int, key string, a args) *SyntaxError {
	return &SyntaxError{Pos: pos, Msg: msg(key, a)}
}

// ParseRule parses a rule expression. It returns a *SyntaxError for anything that is not
// a well-formed rule, naming the character position of the fault. It does not check the
// tags against any form or the types of the operands (ValidateForm does), except that
// literals are typed: "1 and 2" is an error here.
func ParseRule(expr string) (*Rule, error) {
	if !utf8.ValidString(expr) {
		return nil, syntaxErr(1, "qa.rule.not_utf8", nil)
	}
	if n := utf8.RuneCountInString(expr); n > MaxRuleLen {
		return nil, syntaxErr(MaxRuleLen+1, "qa.rule.too_long", args{"Length": num(n), "Max": num(MaxRuleLen)})
	}
	toks, err := lex(expr)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	if p.peek().kind == tEOF {
		return nil, syntaxErr(1, "qa.rule.empty", nil)
	}
	root, err := p.or(0)
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, p.unexpected(t, msg("qa.rule.want_operator_or_end", nil))
	}
	if err := literalTypes(root); err != nil {
		return nil, err
	}
	return &Rule{root: root, src: expr}, nil
}

// String returns the rule in canonical form: single spaces around operators and only
// the parentheses that grouping needs. ParseRule(r.String()) gives an equal Rule.
func (r *Rule) String() string {
	var b strings.Builder
	write(&b, r.root, 0)
	return b.String()
}

// Tags returns the answer tags the rule names, in order of first appearance; a prefix in
// sum is returned with its star ("K*").
func (r *Rule) Tags() []string {
	var out []string
	seen := map[string]bool{}
	walk(r.root, func(n node) {
		var name string
		switch n := n.(type) {
		case *tagRef:
			name = n.tag
		case *prefixRef:
			name = n.prefix + "*"
		default:
			return
		}
		if !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	})
	return out
}

// ---- syntax tree ----

type node interface{ position() int }

// The nodes. pos is the 1-based character position of the node's token.
type (
	intLit struct {
		pos int
		v   int64
	}
	strLit struct {
		pos int
		v   string
	}
	tagRef struct {
		pos int
		tag string
	}
	// prefixRef is TAG* in sum.
	prefixRef struct {
		pos    int
		prefix string
	}
	// varRef is seats or registered.
	varRef struct {
		pos  int
		name string
	}
	unaryOp struct {
		pos int
		op  string // "-" or "not"
		x   node
	}
	binaryOp struct {
		pos  int
		op   string
		x, y node
	}
	callExpr struct {
		pos  int
		fn   string
		args []node
	}
)

func (n *intLit) position() int    { return n.pos }
func (n *strLit) position() int    { return n.pos }
func (n *tagRef) position() int    { return n.pos }
func (n *prefixRef) position() int { return n.pos }
func (n *varRef) position() int    { return n.pos }
func (n *unaryOp) position() int   { return n.pos }
func (n *binaryOp) position() int  { return n.pos }
func (n *callExpr) position() int  { return n.pos }

// walk calls fn on n and every node below it, parents first.
func walk(n node, fn func(node)) {
	fn(n)
	switch n := n.(type) {
	case *unaryOp:
		walk(n.x, fn)
	case *binaryOp:
		walk(n.x, fn)
		walk(n.y, fn)
	case *callExpr:
		for _, a := range n.args {
			walk(a, fn)
		}
	}
}

// ---- lexer ----

type tokKind int

const (
	tEOF tokKind = iota
	tInt
	tStr
	tTag
	tName // a lower-case keyword, variable or function
	tOp
)

type token struct {
	kind tokKind
	pos  int // 1-based character position
	text string
}

var functions = map[string]bool{"sum": true, "abs": true, "min": true, "max": true, "answered": true, "has": true}

func lex(src string) ([]token, error) {
	var toks []token
	rs := []rune(src)
	for i := 0; i < len(rs); {
		r, pos := rs[i], i+1
		switch {
		case r == ' ' || r == '\t' || r == '\n' || r == '\r':
			i++
		case r >= '0' && r <= '9':
			j := i
			for j < len(rs) && rs[j] >= '0' && rs[j] <= '9' {
				j++
			}
			if j < len(rs) && (isLetter(rs[j]) || rs[j] == '.') {
				return nil, syntaxErr(j+1, "qa.rule.bad_number", nil)
			}
			toks = append(toks, token{tInt, pos, string(rs[i:j])})
			i = j
		case isLetter(r):
			j := i
			for j < len(rs) && (isLetter(rs[j]) || rs[j] >= '0' && rs[j] <= '9') {
				j++
			}
			word := string(rs[i:j])
			switch {
			case isTag(word):
				toks = append(toks, token{tTag, pos, word})
			case word == "and" || word == "or" || word == "not" || word == "seats" || word == "registered" || functions[word]:
				toks = append(toks, token{tName, pos, word})
			case strings.ToUpper(word) == word:
				return nil, syntaxErr(pos, "qa.rule.not_a_tag", args{"Word": quoted(word, 20)})
			default:
				return nil, syntaxErr(pos, "qa.rule.unknown_name", args{"Word": quoted(word, 20),
					"Names": iltod.Lit("and, or, not, seats, registered, sum, abs, min, max, answered, has")})
			}
			i = j
		case r == '"':
			j := i + 1
			for j < len(rs) && rs[j] != '"' {
				if rs[j] == '\\' || unicode.IsControl(rs[j]) {
					return nil, syntaxErr(j+1, "qa.rule.bad_quoted", nil)
				}
				j++
			}
			if j == len(rs) {
				return nil, syntaxErr(pos, "qa.rule.unclosed_quote", nil)
			}
			toks = append(toks, token{tStr, pos, string(rs[i+1 : j])})
			i = j + 1
		default:
			two := ""
			if i+1 < len(rs) {
				two = string(rs[i : i+2])
			}
			switch two {
			case "==", "!=", "<=", ">=":
				toks = append(toks, token{tOp, pos, two})
				i += 2
				continue
			case "&&", "||":
				return nil, syntaxErr(pos, "qa.rule.write_as", args{"Wrong": iltod.Lit(strconv.Quote(two)),
					"Right": iltod.Lit(map[string]string{"&&": "and", "||": "or"}[two])})
			}
			switch r {
			case '+', '-', '*', '<', '>', '(', ')', ',':
				toks = append(toks, token{tOp, pos, string(r)})
				i++
			case '=':
				return nil, syntaxErr(pos, "qa.rule.single_equals", nil)
			case '!':
				return nil, syntaxErr(pos, "qa.rule.lone_bang", nil)
			case '/', '%':
				return nil, syntaxErr(pos, "qa.rule.no_division", nil)
			default:
				return nil, syntaxErr(pos, "qa.rule.unexpected_char", args{"Char": iltod.Lit(strconv.QuoteRune(r))})
			}
		}
	}
	return append(toks, token{tEOF, len(rs) + 1, ""}), nil
}

func isLetter(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '_' }

// isTag reports whether word has the shape of an answer tag or an expanded tag.
func isTag(word string) bool {
	if word == "" || word[0] < 'A' || word[0] > 'Z' {
		return false
	}
	for _, c := range word {
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// ---- parser ----

type parser struct {
	toks []token
	i    int
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

func (p *parser) is(text string) bool {
	t := p.peek()
	return (t.kind == tOp || t.kind == tName) && t.text == text
}

func describeTok(t token) iltod.Message {
	switch t.kind {
	case tEOF:
		return msg("qa.rule.token_end", nil)
	case tInt:
		return msg("qa.rule.token_number", args{"Value": iltod.Lit(t.text)})
	case tStr:
		return msg("qa.rule.token_text", args{"Value": quoted(t.text, 20)})
	case tTag:
		return msg("qa.rule.token_tag", args{"Tag": iltod.Lit(t.text)})
	}
	return iltod.Lit(strconv.Quote(t.text))
}

func (p *parser) unexpected(t token, want iltod.Message) error {
	return syntaxErr(t.pos, "qa.rule.expected", args{"Want": want, "Found": describeTok(t)})
}

func (p *parser) deeper(depth int) error {
	if depth > maxDepth {
		return syntaxErr(p.peek().pos, "qa.rule.too_deep", args{"Max": num(maxDepth)})
	}
	return nil
}

func (p *parser) or(depth int) (node, error) {
	x, err := p.and(depth)
	for err == nil && p.is("or") {
		t := p.next()
		var y node
		if y, err = p.and(depth); err == nil {
			x = &binaryOp{pos: t.pos, op: "or", x: x, y: y}
		}
	}
	return x, err
}

func (p *parser) and(depth int) (node, error) {
	x, err := p.not(depth)
	for err == nil && p.is("and") {
		t := p.next()
		var y node
		if y, err = p.not(depth); err == nil {
			x = &binaryOp{pos: t.pos, op: "and", x: x, y: y}
		}
	}
	return x, err
}

func (p *parser) not(depth int) (node, error) {
	if p.is("not") {
		if err := p.deeper(depth + 1); err != nil {
			return nil, err
		}
		t := p.next()
		x, err := p.not(depth + 1)
		if err != nil {
			return nil, err
		}
		return &unaryOp{pos: t.pos, op: "not", x: x}, nil
	}
	return p.comparison(depth)
}

var comparisons = map[string]bool{"==": true, "!=": true, "<": true, "<=": true, ">": true, ">=": true}

func (p *parser) comparison(depth int) (node, error) {
	x, err := p.sum(depth)
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind == tOp && comparisons[t.text] {
		p.next()
		y, err := p.sum(depth)
		if err != nil {
			return nil, err
		}
		if t2 := p.peek(); t2.kind == tOp && comparisons[t2.text] {
			return nil, syntaxErr(t2.pos, "qa.rule.chained_comparison", nil)
		}
		return &binaryOp{pos: t.pos, op: t.text, x: x, y: y}, nil
	}
	return x, nil
}

func (p *parser) sum(depth int) (node, error) {
	x, err := p.product(depth)
	for err == nil && (p.is("+") || p.is("-")) {
		t := p.next()
		var y node
		if y, err = p.product(depth); err == nil {
			x = &binaryOp{pos: t.pos, op: t.text, x: x, y: y}
		}
	}
	return x, err
}

func (p *parser) product(depth int) (node, error) {
	x, err := p.unary(depth)
	for err == nil && p.is("*") {
		t := p.next()
		var y node
		if y, err = p.unary(depth); err == nil {
			x = &binaryOp{pos: t.pos, op: "*", x: x, y: y}
		}
	}
	return x, err
}

func (p *parser) unary(depth int) (node, error) {
	if p.is("-") {
		if err := p.deeper(depth + 1); err != nil {
			return nil, err
		}
		t := p.next()
		x, err := p.unary(depth + 1)
		if err != nil {
			return nil, err
		}
		return &unaryOp{pos: t.pos, op: "-", x: x}, nil
	}
	return p.primary(depth)
}

func (p *parser) primary(depth int) (node, error) {
	t := p.peek()
	switch t.kind {
	case tInt:
		p.next()
		v, err := strconv.ParseInt(t.text, 10, 64)
		if err != nil || v > iltod.MaxSafeInt {
			return nil, syntaxErr(t.pos, "qa.rule.number_too_large", args{"Value": iltod.Lit(truncate(t.text, 30)), "Max": num(int64(iltod.MaxSafeInt))})
		}
		return &intLit{pos: t.pos, v: v}, nil
	case tStr:
		p.next()
		return &strLit{pos: t.pos, v: t.text}, nil
	case tTag:
		p.next()
		return &tagRef{pos: t.pos, tag: t.text}, nil
	case tName:
		switch t.text {
		case "seats", "registered":
			p.next()
			return &varRef{pos: t.pos, name: t.text}, nil
		case "and", "or", "not":
			return nil, p.unexpected(t, msg("qa.rule.want_value", nil))
		}
		return p.call(depth)
	case tOp:
		if t.text == "(" {
			if err := p.deeper(depth + 1); err != nil {
				return nil, err
			}
			p.next()
			x, err := p.or(depth + 1)
			if err != nil {
				return nil, err
			}
			if !p.is(")") {
				return nil, p.unexpected(p.peek(), msg("qa.rule.want_close", args{"Pos": num(t.pos)}))
			}
			p.next()
			return x, nil
		}
	}
	return nil, p.unexpected(t, msg("qa.rule.want_value", nil))
}

func (p *parser) call(depth int) (node, error) {
	if err := p.deeper(depth + 1); err != nil {
		return nil, err
	}
	t := p.next()
	if !p.is("(") {
		return nil, p.unexpected(p.peek(), msg("qa.rule.want_open", args{"Function": iltod.Lit(t.text)}))
	}
	p.next()
	c := &callExpr{pos: t.pos, fn: t.text}
	for {
		a, err := p.argument(t.text, depth+1)
		if err != nil {
			return nil, err
		}
		c.args = append(c.args, a)
		if p.is(",") {
			p.next()
			continue
		}
		if !p.is(")") {
			return nil, p.unexpected(p.peek(), msg("qa.rule.want_comma_or_close", nil))
		}
		p.next()
		break
	}
	return c, checkArity(c)
}

func (p *parser) argument(fn string, depth int) (node, error) {
	// TAG "*" followed by "," or ")" is a prefix, in sum only.
	if t := p.peek(); t.kind == tTag && p.i+2 < len(p.toks) {
		star, after := p.toks[p.i+1], p.toks[p.i+2]
		if star.kind == tOp && star.text == "*" && after.kind == tOp && (after.text == "," || after.text == ")") {
			if fn != "sum" {
				return nil, syntaxErr(t.pos, "qa.rule.prefix_outside_sum", args{"Tag": iltod.Lit(t.text)})
			}
			p.i += 2
			return &prefixRef{pos: t.pos, prefix: t.text}, nil
		}
	}
	return p.or(depth)
}

func checkArity(c *callExpr) error {
	n := len(c.args)
	bad := ""
	switch c.fn {
	case "abs":
		if n != 1 {
			bad = "qa.rule.abs_args"
		}
	case "min", "max":
		if n < 2 {
			bad = "qa.rule.min_max_args"
		}
	case "answered":
		if _, ok := c.args[0].(*tagRef); n != 1 || !ok {
			bad = "qa.rule.answered_args"
		}
	case "has":
		_, tagOK := c.args[0].(*tagRef)
		if n != 2 || !tagOK {
			bad = "qa.rule.has_args"
		} else if _, ok := c.args[1].(*strLit); !ok {
			bad = "qa.rule.has_args"
		}
	}
	if bad != "" {
		return syntaxErr(c.pos, bad, args{"Function": iltod.Lit(c.fn)})
	}
	return nil
}

// ---- types of literals ----

// literalTypes rejects what is ill-typed whatever the tags turn out to be: arithmetic on
// conditions or text, logic on numbers, and a rule that is not a condition.
func literalTypes(root node) error {
	if k := shape(root); k == shapeInt || k == shapeStr {
		return syntaxErr(1, "qa.rule.not_condition", nil)
	}
	var err error
	walk(root, func(n node) {
		if err != nil {
			return
		}
		check := func(x node, want shapeKind, key, op string) {
			if k := shape(x); k != shapeAny && k != want {
				err = syntaxErr(x.position(), key, args{"Op": iltod.Lit(op)})
			}
		}
		switch n := n.(type) {
		case *unaryOp:
			if n.op == "-" {
				check(n.x, shapeInt, "qa.rule.negate_number", n.op)
			} else {
				check(n.x, shapeBool, "qa.rule.not_condition_operand", n.op)
			}
		case *binaryOp:
			switch n.op {
			case "and", "or":
				check(n.x, shapeBool, "qa.rule.logic_operands", n.op)
				check(n.y, shapeBool, "qa.rule.logic_operands", n.op)
			case "+", "-", "*":
				check(n.x, shapeInt, "qa.rule.arithmetic_operands", n.op)
				check(n.y, shapeInt, "qa.rule.arithmetic_operands", n.op)
			case "<", "<=", ">", ">=":
				check(n.x, shapeInt, "qa.rule.order_operands", n.op)
				check(n.y, shapeInt, "qa.rule.order_operands", n.op)
			case "==", "!=":
				kx, ky := shape(n.x), shape(n.y)
				if kx != shapeAny && ky != shapeAny && kx != ky {
					err = syntaxErr(n.pos, "qa.rule.equality_operands", nil)
				}
			}
		case *callExpr:
			if n.fn == "sum" || n.fn == "abs" || n.fn == "min" || n.fn == "max" {
				for _, a := range n.args {
					check(a, shapeInt, "qa.rule.function_numbers", n.fn)
				}
			}
		}
	})
	return err
}

type shapeKind int

const (
	shapeAny shapeKind = iota // a tag: its type depends on the form
	shapeInt
	shapeBool
	shapeStr
)

func shape(n node) shapeKind {
	switch n := n.(type) {
	case *intLit, *varRef, *prefixRef:
		return shapeInt
	case *strLit:
		return shapeStr
	case *unaryOp:
		if n.op == "-" {
			return shapeInt
		}
		return shapeBool
	case *binaryOp:
		switch n.op {
		case "+", "-", "*":
			return shapeInt
		}
		return shapeBool
	case *callExpr:
		switch n.fn {
		case "answered", "has":
			return shapeBool
		}
		return shapeInt
	}
	return shapeAny
}

// ---- printing ----

// Precedence levels, loosest first.
const (
	precOr = iota + 1
	precAnd
	precNot
	precCmp
	precSum
	precProduct
	precUnary
)

func prec(n node) int {
	switch n := n.(type) {
	case *unaryOp:
		if n.op == "not" {
			return precNot
		}
		return precUnary
	case *binaryOp:
		switch n.op {
		case "or":
			return precOr
		case "and":
			return precAnd
		case "+", "-":
			return precSum
		case "*":
			return precProduct
		}
		return precCmp
	}
	return precUnary + 1
}

// write prints n; min is the loosest precedence that may appear without parentheses.
func write(b *strings.Builder, n node, min int) {
	if prec(n) < min {
		b.WriteByte('(')
		write(b, n, 0)
		b.WriteByte(')')
		return
	}
	switch n := n.(type) {
	case *intLit:
		b.WriteString(strconv.FormatInt(n.v, 10))
	case *strLit:
		b.WriteString(`"` + n.v + `"`)
	case *tagRef:
		b.WriteString(n.tag)
	case *prefixRef:
		b.WriteString(n.prefix + "*")
	case *varRef:
		b.WriteString(n.name)
	case *unaryOp:
		if n.op == "not" {
			b.WriteString("not ")
			write(b, n.x, precNot)
		} else {
			b.WriteString("-")
			if x, ok := n.x.(*unaryOp); ok && x.op == "-" {
				b.WriteString(" ") // "- -3": no parentheses, which would deepen the nesting
			}
			write(b, n.x, precUnary)
		}
	case *binaryOp:
		p := prec(n)
		right := p + 1 // left-associative: an equal right operand needs parentheses
		if p == precCmp {
			write(b, n.x, precSum)
			right = precSum
		} else {
			write(b, n.x, p)
		}
		b.WriteString(" " + n.op + " ")
		write(b, n.y, right)
	case *callExpr:
		b.WriteString(n.fn + "(")
		for i, a := range n.args {
			if i > 0 {
				b.WriteString(", ")
			}
			write(b, a, 0)
		}
		b.WriteString(")")
	}
}

// Package dbdump reads every row of every table of a SQLite database, for tests that
// prove what a database does not hold: no address, no testimony, no plaintext.
package dbdump

import (
	"bytes"
	"database/sql"
	"fmt"
	"strings"
	"unicode/utf8"
)

// SQLite returns the values of every row of every table of db, each followed by a tab:
// text holds the values that are valid UTF-8, all holds every value, binary ones
// included. Search text for words such as an address: ciphertext is binary, and a short
// needle such as "::1" could occur in it by chance. Search all for bytes.
func SQLite(db *sql.DB) (text string, all []byte, err error) {
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table'`)
	if err != nil {
		return "", nil, err
	}
	var tables []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return "", nil, err
		}
		tables = append(tables, n)
	}
	rows.Close()
	var tb strings.Builder
	var ab bytes.Buffer
	for _, table := range tables {
		if err := dumpTable(db, table, &tb, &ab); err != nil {
			return "", nil, fmt.Errorf("dump %s: %w", table, err)
		}
	}
	return tb.String(), ab.Bytes(), nil
}

func dumpTable(db *sql.DB, table string, tb *strings.Builder, ab *bytes.Buffer) error {
	rs, err := db.Query(`SELECT * FROM "` + table + `"`)
	if err != nil {
		return err
	}
	defer rs.Close()
	cols, err := rs.Columns()
	if err != nil {
		return err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rs.Next() {
		if err := rs.Scan(ptrs...); err != nil {
			return err
		}
		for _, v := range vals {
			var b []byte
			switch v := v.(type) {
			case []byte:
				b = v
			case string:
				b = []byte(v)
			}
			ab.Write(b)
			ab.WriteByte('\t')
			if utf8.Valid(b) {
				tb.Write(b)
				tb.WriteByte('\t')
			}
		}
	}
	return rs.Err()
}

package official

import (
	"bytes"
	"testing"

	"github.com/iltod/iltod/internal/storetest"
)

// BenchmarkReadCSV reads the long CSV of 100,000 stations × 8 candidates and 4 counts
// (1.2 million rows), and reports rows/s.
func BenchmarkReadCSV(b *testing.B) {
	p, rs := storetest.LargeElection(100_000, 1)
	var buf bytes.Buffer
	if err := WriteCSV(&buf, rs); err != nil {
		b.Fatal(err)
	}
	rows := bytes.Count(buf.Bytes(), []byte("\n")) - 1
	b.SetBytes(int64(buf.Len()))
	for b.Loop() {
		if _, err := ReadCSV(bytes.NewReader(buf.Bytes()), "big.csv", p, Mapping{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkReadNIST validates and reads the NIST report of 10,000 stations × 8
// candidates, and reports results/s.
func BenchmarkReadNIST(b *testing.B) {
	p, rs := storetest.LargeElection(10_000, 1)
	var buf bytes.Buffer
	if err := WriteNIST(&buf, p, rs, NISTOptions{}); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	for b.Loop() {
		if _, _, err := ReadNIST(bytes.NewReader(buf.Bytes()), "big.json", p, Mapping{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(rs)*b.N)/b.Elapsed().Seconds(), "results/s")
}

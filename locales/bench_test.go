package locales

import "testing"

func BenchmarkT(b *testing.B) {
	p := For("mn")
	for b.Loop() {
		p.T("web.sign_out")
	}
}

func BenchmarkTArgs(b *testing.B) {
	p := For("mn")
	for b.Loop() {
		p.T("public.of", Args{"K": "3", "N": "7"})
	}
}

func BenchmarkInt(b *testing.B) {
	p := For("mn")
	for b.Loop() {
		p.Int(1234567)
	}
}

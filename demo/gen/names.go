package main

import (
	"math/rand/v2"

	"github.com/iltod/iltod"
)

// Names are written the Mongolian way, a patronymic initial and a given name
// ("Б.Төмөрбаатар", "B. Tömörbaatar"), drawn at random from common given names. The
// given names of the best-known politicians are left out of the pool and a few
// initial-and-name pairs are refused outright, so that no candidate reads as a real
// politician; a chance match with some private person is unavoidable with common names
// and means nothing.

type initial struct{ mn, en string }

// initials are patronymic initials; the commonest appear twice, to be drawn more often.
var initials = []initial{
	{"А", "A"}, {"Б", "B"}, {"Г", "G"}, {"Д", "D"}, {"Ж", "J"}, {"З", "Z"}, {"Л", "L"},
	{"М", "M"}, {"Н", "N"}, {"О", "O"}, {"П", "P"}, {"Р", "R"}, {"С", "S"}, {"Т", "T"},
	{"У", "U"}, {"Х", "Kh"}, {"Ц", "Ts"}, {"Ч", "Ch"}, {"Ш", "Sh"}, {"Э", "E"}, {"Ө", "Ö"},
	{"Ү", "Ü"}, {"Я", "Ya"}, {"Б", "B"}, {"Д", "D"}, {"Г", "G"}, {"С", "S"}, {"Ц", "Ts"},
}

var givenNames = [][2]string{
	{"Ганзориг", "Ganzorig"}, {"Төмөрбаатар", "Tömörbaatar"}, {"Мөнхбат", "Mönkhbat"},
	{"Энхтайван", "Enkhtaivan"}, {"Ганболд", "Ganbold"}, {"Цогбадрах", "Tsogbadrakh"},
	{"Пүрэвдорж", "Pürevdorj"}, {"Даваажав", "Davaajav"}, {"Ариунболд", "Ariunbold"},
	{"Анхбаяр", "Ankhbayar"}, {"Билгүүн", "Bilgüün"}, {"Мөнх-Очир", "Mönkh-Ochir"},
	{"Сүхбат", "Sükhbat"}, {"Жаргалсайхан", "Jargalsaikhan"}, {"Галбадрах", "Galbadrakh"},
	{"Эрдэнэбилэг", "Erdenebileg"}, {"Ууганбаяр", "Uuganbayar"}, {"Цэнд-Аюуш", "Tsend-Ayuush"},
	{"Бямбадорж", "Byambadorj"}, {"Гантулга", "Gantulga"}, {"Дашдондог", "Dashdondog"},
	{"Баттөмөр", "Battömör"}, {"Дөлгөөн", "Dölgöön"}, {"Чинзориг", "Chinzorig"},
	{"Цолмон", "Tsolmon"}, {"Батжаргал", "Batjargal"}, {"Энхбаатар", "Enkhbaatar"},
	{"Мягмарсүрэн", "Myagmarsüren"}, {"Лхагвасүрэн", "Lkhagvasüren"}, {"Түвшинбаяр", "Tüvshinbayar"},
	{"Буянжаргал", "Buyanjargal"}, {"Баасанжав", "Baasanjav"}, {"Мөнхжин", "Mönkhjin"},
	{"Ганбаатар", "Ganbaatar"}, {"Нармандах", "Narmandakh"}, {"Батсайхан", "Batsaikhan"},
	{"Отгонжаргал", "Otgonjargal"}, {"Энх-Амар", "Enkh-Amar"}, {"Ширнэн", "Shirnen"},
	{"Нарантуяа", "Narantuyaa"}, {"Оюунчимэг", "Oyuunchimeg"}, {"Сарантуяа", "Sarantuyaa"},
	{"Энхжаргал", "Enkhjargal"}, {"Мөнхцэцэг", "Mönkhtsetseg"}, {"Болормаа", "Bolormaa"},
	{"Уранчимэг", "Uranchimeg"}, {"Цэцэгмаа", "Tsetsegmaa"}, {"Номин", "Nomin"},
	{"Хулан", "Khulan"}, {"Гэрэлмаа", "Gerelmaa"}, {"Одгэрэл", "Odgerel"},
	{"Ундрам", "Undram"}, {"Солонго", "Solongo"}, {"Анужин", "Anujin"},
	{"Мишээл", "Misheel"}, {"Төгсжаргал", "Tögsjargal"}, {"Дэлгэрмаа", "Delgermaa"},
	{"Нандин-Эрдэнэ", "Nandin-Erdene"}, {"Золзаяа", "Zolzayaa"}, {"Ганчимэг", "Ganchimeg"},
	{"Энхмаа", "Enkhmaa"}, {"Сувд", "Suvd"}, {"Туяа", "Tuyaa"},
	{"Мөнхзул", "Mönkhzul"}, {"Алтанцэцэг", "Altantsetseg"}, {"Ариунаа", "Ariunaa"},
	{"Бүрэнбаяр", "Bürenbayar"}, {"Жавзандулам", "Javzandulam"}, {"Хишигсүрэн", "Khishigsüren"},
}

// refused are initial-and-name pairs that belong to public figures.
var refused = map[string]bool{
	"Г.Тэмүүлэн": true, "Д.Ганбат": true, "Ц.Нямдорж": true, "П.Очирбат": true,
	"М.Батчимэг": true, "Л.Болд": true, "С.Жавхлан": true, "Б.Жавхлан": true,
}

type namer struct {
	r    *rand.Rand
	used map[string]bool
}

func newNamer(r *rand.Rand) *namer { return &namer{r: r, used: map[string]bool{}} }

func (n *namer) draw() (mn, en string) {
	for {
		in := initials[n.r.IntN(len(initials))]
		g := givenNames[n.r.IntN(len(givenNames))]
		mn, en = in.mn+"."+g[0], in.en+". "+g[1]
		if !refused[mn] {
			return mn, en
		}
	}
}

// candidate returns a name no other candidate of the election has.
func (n *namer) candidate() iltod.Text {
	for {
		mn, en := n.draw()
		if !n.used[mn] {
			n.used[mn] = true
			return iltod.Text{"mn": mn, "en": en}
		}
	}
}

// observer returns a name in Cyrillic, the way observers are enrolled; names may repeat.
func (n *namer) observer() string {
	mn, _ := n.draw()
	return mn
}

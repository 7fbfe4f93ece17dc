package main

import (
	"fmt"
	"strings"

	"github.com/iltod/iltod"
)

// The four forms of the demo. SMS prefixes and tags avoid I, L and O, which read as
// digits; the prefixes are letters that a Mongolian phone can also type in Cyrillic
// (Н, Х, Р, Т), for the Mongolian names of the forms: Нээлт (opening), Хаалт (closing),
// Протокол (results) and Тохиолдол (incident). So are the tags of every question an SMS
// carries (sms.Typeable: A B E K M H P C T X and digits), which iltod load checks; only
// the photo (PHOTO) and the incident's text (DS) are not sent by SMS.

func t(mn, en string) iltod.Text { return iltod.Text{"mn": mn, "en": en} }

func i64(v int64) *int64 { return &v }

func yesNo(tag, mn, en string) iltod.Question {
	return iltod.Question{Tag: tag, Type: iltod.YesNo, Required: true, Label: t(mn, en)}
}

func clock(tag, mn, en string) iltod.Question {
	return iltod.Question{Tag: tag, Type: iltod.TimeOfDay, Required: true, Label: t(mn, en)}
}

func count(tag, mn, en string, max int64) iltod.Question {
	return iltod.Question{Tag: tag, Type: iltod.Integer, Required: true, Min: i64(0), Max: i64(max), Label: t(mn, en)}
}

func options(pairs ...[2]string) []iltod.Option {
	out := make([]iltod.Option, len(pairs))
	for i, p := range pairs {
		out[i] = iltod.Option{Code: fmt.Sprint(i + 1), Label: t(p[0], p[1])}
	}
	return out
}

func forms(parties []iltod.Party) []iltod.Form {
	return []iltod.Form{opening(), closing(), results(parties), incident()}
}

func opening() iltod.Form {
	return iltod.Form{
		Code: "opening", Version: 1, Kind: iltod.Checklist, SMSPrefix: "H",
		Name: t("Нээлтийн хяналтын хуудас", "Opening checklist"),
		Questions: []iltod.Question{
			clock("AT", "Та хэсгийн хороонд хэдэн цагт ирсэн бэ?", "What time did you arrive at the polling station?"),
			clock("BT", "Санал авалт хэдэн цагт эхэлсэн бэ?", "What time did voting begin?"),
			count("CM", "Хэсгийн хорооны хэдэн гишүүн ирсэн бэ?", "How many members of the station commission were present?", 30),
			yesNo("BX", "Санал авах хайрцгийг хоосныг харуулж, лацдсан уу?", "Was the ballot box shown empty and sealed before voting?"),
			yesNo("MX", "Санал тоолох машин тэг тайлан хэвлэсэн үү?", "Did the vote-counting machine print a zero report?"),
			yesNo("PE", "Сонгогчдын нэрийн жагсаалт байсан уу?", "Was the voter register at the station?"),
			yesNo("MT", "Саналын хуудас, тамга, бэх бүрэн байсан уу?", "Were ballots, stamps and ink all present?"),
			count("PA", "Нам, нэр дэвшигчийн хэдэн төлөөлөгч байсан бэ?", "How many party or candidate agents were present?", 50),
			{Tag: "AC", Type: iltod.SelectOne, Required: true,
				Label: t("Хөгжлийн бэрхшээлтэй сонгогчид хэсгийн хороонд нэвтрэх боломжтой юу?", "Can voters with disabilities enter the station?"),
				Options: options(
					[2]string{"Бүрэн боломжтой", "Yes, fully"},
					[2]string{"Хэсэгчлэн", "Partly"},
					[2]string{"Боломжгүй", "No"},
				)},
			yesNo("PC", "Байранд цагдаа эсвэл хамгаалалтын ажилтан байсан уу?", "Were police or security staff inside the station?"),
			yesNo("EX", "Та саадгүй ажиглаж чадсан уу?", "Could you observe without obstruction?"),
		},
	}
}

func closing() iltod.Form {
	return iltod.Form{
		Code: "closing", Version: 1, Kind: iltod.Checklist, SMSPrefix: "X",
		Name: t("Хаалтын хяналтын хуудас", "Closing checklist"),
		Questions: []iltod.Question{
			clock("CT", "Санал авалт хэдэн цагт хаагдсан бэ?", "What time did voting close?"),
			{Tag: "KA", Type: iltod.YesNo, Required: true, NotApplicable: true,
				Label: t("Хаах үед дараалалд байсан сонгогчид санал өгсөн үү?", "Were voters in the queue at closing time allowed to vote?")},
			count("MB", "Зөөврийн хайрцагнаас хэдэн саналын хуудас гарсан бэ?", "How many ballots came from the mobile ballot box?", 2000),
			yesNo("MP", "Гар тооллогын өмнө машины дүнг хэвлэсэн үү?", "Was the machine result printed before the hand count?"),
			yesNo("HC", "Бүх саналын хуудсыг гараар тоолсон уу?", "Were all ballots counted by hand?"),
			yesNo("XK", "Ашиглаагүй саналын хуудсыг хүчингүй болгосон уу?", "Were unused ballots cancelled?"),
			yesNo("TX", "Тооллогод хэн нэгэн саад учруулсан уу?", "Did anyone disrupt or obstruct the count?"),
			yesNo("PH", "Дүнгийн протоколыг олон нийтэд ил байршуулсан уу?", "Was the results protocol posted publicly at the station?"),
			yesNo("CP", "Та дүнгийн протоколын хуулбар авсан уу?", "Did you receive a copy of the results protocol?"),
			clock("EK", "Тооллого хэдэн цагт дууссан бэ?", "What time did the count end?"),
			{Tag: "AX", Type: iltod.SelectOne, Required: true,
				Label: t("Санал авалт, тооллогын ерөнхий үнэлгээ", "Overall assessment of voting and counting"),
				Options: options(
					[2]string{"Асуудалгүй", "No problems"},
					[2]string{"Бага зэргийн зөрчилтэй", "Minor problems"},
					[2]string{"Ноцтой зөрчилтэй", "Serious problems"},
				)},
		},
	}
}

const tierRef = iltod.TierPrefix + bodyCode + "/" + tierDistrict

func results(parties []iltod.Party) iltod.Form {
	qs := []iltod.Question{
		{Tag: "EA", Type: iltod.Integer, Required: true, Min: i64(0), Count: iltod.CountRegistered,
			Label: t("Сонгогчдын нэрийн жагсаалтад бүртгэлтэй сонгогч", "Voters on the register")},
		{Tag: "EB", Type: iltod.Integer, Required: true, Min: i64(0), Count: iltod.CountIssued,
			Label: t("Саналын хуудас авсан сонгогч (гарын үсэг зурсан)", "Voters who signed for a ballot")},
		{Tag: "CB", Type: iltod.Integer, Required: true, Min: i64(0), Count: iltod.CountCast, Contest: tierRef,
			Label: t("Хайрцагт байсан тойргийн саналын хуудас", "Constituency ballots in the box")},
		{Tag: "CA", Type: iltod.Integer, Required: true, Min: i64(0), Count: iltod.CountValid, Contest: tierRef,
			Label: t("Хүчинтэй тойргийн саналын хуудас", "Valid constituency ballots")},
		{Tag: "CX", Type: iltod.Integer, Required: true, Min: i64(0), Count: iltod.CountInvalid, Contest: tierRef,
			Label: t("Хүчингүй тойргийн саналын хуудас", "Invalid constituency ballots")},
		{Tag: "K", Type: iltod.Integer, Min: i64(0), Count: iltod.CountChoice, Contest: tierRef, Choice: iltod.EachChoice, Tally: iltod.TallyManual,
			Label: t("Нэр дэвшигчийн авсан санал (гар тооллого)", "Votes per candidate (hand count)")},
		{Tag: "KM", Type: iltod.Integer, Min: i64(0), Count: iltod.CountChoice, Contest: tierRef, Choice: iltod.EachChoice, Tally: iltod.TallyMachine,
			Label: t("Нэр дэвшигчийн авсан санал (машин тооллого)", "Votes per candidate (machine count)")},
		{Tag: "PB", Type: iltod.Integer, Required: true, Min: i64(0), Count: iltod.CountCast, Contest: listContest,
			Label: t("Хайрцагт байсан намын жагсаалтын саналын хуудас", "Party-list ballots in the box")},
		{Tag: "PA", Type: iltod.Integer, Required: true, Min: i64(0), Count: iltod.CountValid, Contest: listContest,
			Label: t("Хүчинтэй намын жагсаалтын саналын хуудас", "Valid party-list ballots")},
		{Tag: "PX", Type: iltod.Integer, Required: true, Min: i64(0), Count: iltod.CountInvalid, Contest: listContest,
			Label: t("Хүчингүй намын жагсаалтын саналын хуудас", "Invalid party-list ballots")},
	}
	var manual, machine []string
	for i, p := range parties {
		tag := fmt.Sprintf("P%d", i+1)
		qs = append(qs, iltod.Question{Tag: tag, Type: iltod.Integer, Required: true, Min: i64(0),
			Count: iltod.CountChoice, Contest: listContest, Choice: "L-" + p.Code, Tally: iltod.TallyManual,
			Label: t(p.Name["mn"]+" (гар тооллого)", p.Name["en"]+" (hand count)")})
		manual = append(manual, tag)
	}
	for i, p := range parties {
		tag := fmt.Sprintf("PM%d", i+1)
		qs = append(qs, iltod.Question{Tag: tag, Type: iltod.Integer, Min: i64(0),
			Count: iltod.CountChoice, Contest: listContest, Choice: "L-" + p.Code, Tally: iltod.TallyMachine,
			Label: t(p.Name["mn"]+" (машин тооллого)", p.Name["en"]+" (machine count)")})
		machine = append(machine, tag)
	}
	// The photo of the protocol posted at the station, which the public site shows beside
	// the figures; optional, since not every phone can send one.
	qs = append(qs, iltod.Question{Tag: "PHOTO", Type: iltod.Photo,
		Label: t("Хэсгийн хороон дээр өлгөсөн дүнгийн протоколын зураг", "Photo of the posted result protocol")})
	return iltod.Form{
		Code: "results", Version: 1, Kind: iltod.Results, SMSPrefix: "P",
		Name:      t("Санал тооллогын дүн", "Results"),
		Questions: qs,
		// The built-in checks already cover over-voting, cast = valid + invalid and
		// valid = the parties' sum; rules add only what they do not.
		Rules: []iltod.Rule{
			{Code: "cast-le-issued", Expr: "CB <= EB",
				Message: t("Хайрцагт саналын хуудас авсан сонгогчоос олон тойргийн хуудас байна", "More constituency ballots in the box than voters who signed for one")},
			{Code: "list-cast-le-issued", Expr: "PB <= EB",
				Message: t("Хайрцагт саналын хуудас авсан сонгогчоос олон жагсаалтын хуудас байна", "More party-list ballots in the box than voters who signed for one")},
			{Code: "list-machine-le-cast", Expr: strings.Join(machine, " + ") + " <= PB",
				Message: t("Машины тоолсон намын санал хайрцагт байсан хуудаснаас олон байна", "The machine count gives the parties more votes than ballots in the box")},
		},
	}
}

func incident() iltod.Form {
	return iltod.Form{
		Code: "incident", Version: 1, Kind: iltod.Incident, SMSPrefix: "T",
		Name: t("Зөрчлийн мэдээлэл", "Incident report"),
		Questions: []iltod.Question{
			{Tag: "CT", Type: iltod.SelectOne, Required: true,
				Label: t("Зөрчлийн төрөл", "Category of the incident"),
				Options: options(
					[2]string{"Сүрдүүлэг, айлган сүрдүүлэх", "Intimidation"},
					[2]string{"Санал худалдан авах", "Vote buying"},
					[2]string{"Хайрцагт илүү хуудас хийх", "Ballot stuffing"},
					[2]string{"Ажиглагчид саад учруулсан", "Observer obstructed"},
					[2]string{"Хэвлэл мэдээллийнхэнд саад учруулсан", "Press obstructed"},
					[2]string{"Журмын зөрчил", "Procedural irregularity"},
					[2]string{"Сонгогчийг бүртгэлгүй гэж буцаасан", "Voter turned away as not registered"},
					[2]string{"Хүчирхийлэл", "Violence"},
					[2]string{"Бусад", "Other"},
				)},
			{Tag: "XT", Type: iltod.SelectOne, Required: true,
				Label: t("Ноцтой байдал", "Severity"),
				Options: options(
					[2]string{"Бага", "Low"},
					[2]string{"Дунд", "Medium"},
					[2]string{"Өндөр", "High"},
					[2]string{"Маш ноцтой", "Critical"},
				)},
			{Tag: "TM", Type: iltod.TimeOfDay, Label: t("Хэдэн цагт болсон бэ?", "When did it happen?")},
			{Tag: "TB", Type: iltod.YesNo, Label: t("Санал авалт түр зогссон уу?", "Was voting interrupted?")},
			{Tag: "PT", Type: iltod.YesNo, Label: t("Цагдаад мэдэгдсэн үү?", "Were the police told?")},
			{Tag: "EM", Type: iltod.YesNo, Label: t("Зураг, бичлэг байгаа юу?", "Is there a photo or video?")},
			{Tag: "DS", Type: iltod.TextAnswer, Required: true,
				Label: t("Юу болсныг тайлбарлана уу: хэн, юу, хаана", "Describe what happened: who, what, where")},
		},
	}
}

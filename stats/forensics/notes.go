package forensics

import "github.com/iltod/iltod"

// The notes that results carry. Each says what its screen can show and what it cannot.
// Results hold copies, so that a caller may change its own without changing these.

var integerNote = iltod.Text{
	"en": "Integer-percentage test (Kobak, Shpilkin and Pshenichnikov 2016). It counts stations whose " +
		"turnout or leader's result is a whole percentage (within 0.05 points) and compares the count " +
		"with what chance alone gives for the same stations under a binomial model. A large positive " +
		"excess (z well above 3) fits results written to order as round percentages; that is all it shows. " +
		"It is a screen, not a verdict: it does not say which stations are affected, it does not prove " +
		"falsification, and it cannot see manipulation that leaves no round numbers, so the absence of an " +
		"excess does not mean a clean count. The model assumes binomial noise around each station's own " +
		"figures; data-entry habits, or a source that stores rounded percentages, can also create an excess.",
	"mn": "Бүхэл хувийн шалгуур (Кобак, Шпилкин, Пшеничников 2016). Ирц эсвэл тэргүүлэгчийн авсан хувь " +
		"бүхэл тоо (0.05 нэгжийн дотор) болсон хэсгүүдийг тоолж, ижил хэсгүүдэд зөвхөн санамсаргүй " +
		"байдлаар (бином загвараар) гарах тоотой харьцуулна. Их хэмжээний эерэг илүүдэл (z нь 3-аас илт их) " +
		"нь дүнг урьдчилан тогтоосон бүхэл хувиар бичсэнтэй нийцнэ; үүнээс өөр юуг ч харуулахгүй. Энэ бол " +
		"дүгнэлт биш, зөвхөн шалгуур: аль хэсэгт нөлөөлснийг заахгүй, луйврыг нотлохгүй, бүхэл тоо " +
		"үлдээдэггүй хуурамчлалыг илрүүлэхгүй тул илүүдэл байхгүй нь тооллого цэвэр гэсэн үг биш. Загвар нь " +
		"хэсэг бүрийн өөрийн тооны орчимд бином хэлбэлзэл байна гэж үздэг; мэдээлэл оруулах дадал эсвэл " +
		"бөөрөнхийлсөн хувь хадгалдаг эх сурвалж ч илүүдэл үүсгэж болно.",
}

var integerMCNote = iltod.Text{
	"en": integerNote["en"] + " This is the Monte Carlo version: it draws the same null model many times. " +
		"Its mean and variance estimate the exact expectation and variance within sampling error, and its " +
		"p-value is the share of draws (counting the data as one) with at least as many integer stations " +
		"as observed.",
	"mn": integerNote["mn"] + " Энэ нь Монте Карлогийн хувилбар: ижил тэг загвараас олон удаа санамсаргүй " +
		"түүвэр авна. Түүний дундаж ба дисперс нь яг хүлээгдэх утга ба дисперсийг түүврийн алдааны хэмжээнд " +
		"үнэлнэ; p-утга нь ажигласнаас цөөнгүй бүхэл хувьтай хэсэг гарсан түүврийн эзлэх хувь (өгөгдлийг " +
		"нэг түүвэрт тооцно).",
}

var fingerprintNote = iltod.Text{
	"en": "Turnout × leader's-share fingerprint (Klimek et al. 2012): a 2-D histogram of stations by turnout " +
		"and leader's share in 1% bins, and the leader's votes accumulated in order of turnout. Ballot " +
		"stuffing and rewritten protocols tend to smear stations toward high turnout and high share, up to " +
		"a cluster at (100%, 100%), and make the leader's cumulative votes keep rising at high turnout while " +
		"the other candidates' do not. Such shapes are worth a look, not proof: real differences between " +
		"regions (urban and rural, strongholds of a party or a community) also tie turnout to share, and a " +
		"clean-looking picture does not exclude fraud that moves votes without raising turnout.",
	"mn": "Ирц × тэргүүлэгчийн хувийн хээ (Климек нар 2012): хэсгүүдийг ирц ба тэргүүлэгчийн хувиар 1%-ийн " +
		"нүдэнд хуваасан хоёр хэмжээст гистограмм, мөн ирцийн дарааллаар хуримтлуулсан тэргүүлэгчийн санал. " +
		"Саналын хуудас чихэх, протокол дахин бичих нь хэсгүүдийг өндөр ирц, өндөр хувь руу тарааж, " +
		"(100%, 100%) цэг дээр бөөгнөрүүлэх хүртэл нөлөөлдөг бөгөөд өндөр ирцтэй хэсгүүдэд бусад нэр " +
		"дэвшигчийнх өсөхгүй байхад тэргүүлэгчийн хуримтлагдсан санал өссөөр байдаг. Ийм хэлбэр нь анхаарах " +
		"шалтгаан болохоос нотолгоо биш: бүс нутгуудын бодит ялгаа (хот ба хөдөө, нам эсвэл бүлгийн түшиц " +
		"газар) ч ирц ба хувийг холбодог; цэвэрхэн харагдах зураг нь ирцийг өсгөлгүйгээр санал шилжүүлдэг " +
		"луйврыг үгүйсгэхгүй.",
}

var secondDigitNote = iltod.Text{
	"en": "Second-digit Benford test, expected frequencies q(d) = Σ_{k=1..9} log10(1 + 1/(10k + d)). A weak " +
		"signal only: Deckert, Myagkov and Ordeshook (2011) show that counts from clean elections often " +
		"depart from Benford's law and that manipulated counts can fit it, so a small p-value is neither " +
		"necessary nor sufficient for fraud, and with many counts tiny harmless departures become " +
		"\"significant\". Read it only beside the other screens.",
	"mn": "Бенфордын хоёр дахь цифрийн шалгуур, хүлээгдэх давтамж q(d) = Σ_{k=1..9} log10(1 + 1/(10k + d)). " +
		"Зөвхөн сул дохио: Деккерт, Мягков, Ордешук (2011) шударга сонгуулийн тоо Бенфордын хуулиас байнга " +
		"хазайдаг, хуурамчилсан тоо түүнд нийцэж болдгийг харуулсан; иймд бага p-утга нь луйврын зайлшгүй ч, " +
		"хангалттай ч нөхцөл биш, тоо олон үед өчүүхэн хоргүй хазайлт ч \"ач холбогдолтой\" гарна. Зөвхөн " +
		"бусад шалгууртай хамт уншина уу.",
}

var lastDigitNote = iltod.Text{
	"en": "Last-digit test: for counts of 100 or more the last digit should be close to uniform (10% each, " +
		"mean 4.5). People who invent numbers favour some digits, so a departure is a weak hint of made-up " +
		"counts; but rounding habits, few counts and the make-up of the counts also cause departures, and " +
		"invented numbers can look uniform. A weak signal, not evidence (Deckert, Myagkov and Ordeshook 2011).",
	"mn": "Сүүлийн цифрийн шалгуур: 100 ба түүнээс их тооны сүүлийн цифр бараг жигд тархах ёстой (тус бүр " +
		"10%, дундаж 4.5). Тоо зохиож буй хүн зарим цифрийг илүүд үздэг тул хазайлт нь зохиомол тооны сул " +
		"шинж байж болно; гэхдээ бөөрөнхийлөх дадал, цөөн тоо, тоонуудын бүтэц ч хазайлт үүсгэдэг бөгөөд " +
		"зохиомол тоо жигд харагдаж ч болно. Нотолгоо биш, сул дохио (Деккерт, Мягков, Ордешук 2011).",
}

var zeroFiveNote = iltod.Text{
	"en": "Share of counts of 100 or more that end in 0 or 5, expected 0.2. An excess can come from counts " +
		"written as round numbers; it also comes from honest rounding and, with few counts, from chance. " +
		"A weak signal, not evidence.",
	"mn": "100 ба түүнээс их тоонуудаас 0 эсвэл 5-аар төгссөн тооны эзлэх хувь, хүлээгдэх утга 0.2. Илүүдэл " +
		"нь тоог бөөрөнхийлж бичсэнээс үүсч болно; мөн шударга бөөрөнхийлөлт, цөөн тоотой үед тохиолдлоос ч " +
		"үүснэ. Нотолгоо биш, сул дохио.",
}

var flagsNote = iltod.Text{
	"en": "Simple flags list stations for a closer look at their protocols and observers' reports. A station " +
		"on a list is not thereby shown to be falsified, and a station on no list is not thereby clean.",
	"mn": "Энгийн тэмдэглэгээ нь протокол ба ажиглагчдын мэдээг нарийвчлан шалгах хэсгүүдийг жагсаана. " +
		"Жагсаалтад орсон хэсэг үүгээрээ хуурамчилсан нь нотлогдохгүй, аль ч жагсаалтад ороогүй хэсэг " +
		"үүгээрээ цэвэр болохгүй.",
}

var overRegisteredNote = iltod.Text{
	"en": "Stations that issued more ballots than they have registered voters (turnout above 100%). This can " +
		"be ballot stuffing, but also voters added on the day (mobile boxes, same-day registration), an " +
		"outdated register, or a data-entry error. Each needs its protocol checked.",
	"mn": "Бүртгэлтэй сонгогчоосоо олон саналын хуудас олгосон хэсгүүд (ирц 100%-иас их). Энэ нь саналын " +
		"хуудас чихэлт байж болох ч сонгуулийн өдөр нэмэгдсэн сонгогч (зөөврийн хайрцаг, тухайн өдрийн " +
		"бүртгэл), хуучирсан бүртгэл эсвэл мэдээлэл оруулахад гарсан алдаа ч байж болно. Тус бүрийн протоколыг " +
		"шалгах хэрэгтэй.",
}

var nearUnanimousNote = iltod.Text{
	"en": "Stations with a turnout of 99% or more and a leader's share of 99% or more. Klimek et al. (2012) " +
		"read a cluster of such stations as a mark of ballot stuffing; small or closed communities (military " +
		"units, hospitals, remote settlements) can also vote this way. A reason to check the protocol and " +
		"observers' reports, not a finding.",
	"mn": "Ирц 99% ба түүнээс дээш, тэргүүлэгчийн хувь 99% ба түүнээс дээш хэсгүүд. Климек нар (2012) ийм " +
		"хэсгүүдийн бөөгнөрлийг саналын хуудас чихэлтийн шинж гэж үздэг; жижиг эсвэл хаалттай бүлэг (цэргийн " +
		"анги, эмнэлэг, алслагдсан суурин) ч ингэж санал өгч болно. Протокол ба ажиглагчдын мэдээг шалгах " +
		"шалтгаан болохоос дүгнэлт биш.",
}

var areaOutlierNote = iltod.Text{
	"en": "Stations whose turnout lies far from the other stations of their area: robust z = (turnout − area " +
		"median) / (1.4826 × median absolute deviation) beyond the threshold, in areas with enough stations " +
		"to judge. A station can differ for honest reasons (a hospital, a barracks, a new settlement, a wrong " +
		"register) or through a data-entry error, and fraud that moves a whole area together is not caught. " +
		"It marks stations to look at, nothing more.",
	"mn": "Ирц нь өөрийн нутаг дэвсгэрийн бусад хэсгээс хол зөрсөн хэсгүүд: тогтвортой (robust) z = (ирц − " +
		"нутгийн медиан) / (1.4826 × медиан үнэмлэхүй хазайлт) босгоос давсан, дүгнэхэд хангалттай олон " +
		"хэсэгтэй нутагт. Хэсэг шударга шалтгаанаар (эмнэлэг, цэргийн анги, шинэ суурин, буруу бүртгэл) " +
		"эсвэл мэдээлэл оруулах алдаагаар ялгарч болох бөгөөд бүхэл нутгийг хамтад нь хөдөлгөсөн луйврыг " +
		"илрүүлэхгүй. Зөвхөн харах ёстой хэсгийг тэмдэглэнэ.",
}

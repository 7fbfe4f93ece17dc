package http

// The labels of the layout and the sign-in page.
func init() {
	addLabels(map[string]map[string]string{
		"en": {
			"lang_name":       "English",
			"language":        "Language",
			"skip_to_content": "Skip to content",
			"sign_out":        "Sign out",
			"footer":          "iltod — independent election observation. Every report is committed to a public, verifiable log:",
			"log_checkpoint":  "latest checkpoint",
			"signin_title":    "Staff sign-in",
			"signin_login":    "Login",
			"signin_password": "Password",
			"signin_code":     "Six-digit code from your authenticator app",
			"signin_submit":   "Sign in",
			"signin_note":     "Observers do not sign in here: they report from their phones. This page is for the observer network's staff.",
		},
		"mn": {
			"lang_name":       "Монгол",
			"language":        "Хэл",
			"skip_to_content": "Үндсэн агуулга руу шилжих",
			"sign_out":        "Гарах",
			"footer":          "iltod — хараат бус сонгуулийн ажиглалт. Мэдээ бүрийг нийтэд нээлттэй, шалгах боломжтой бүртгэлд оруулдаг:",
			"log_checkpoint":  "сүүлийн хяналтын цэг",
			"signin_title":    "Ажилтны нэвтрэлт",
			"signin_login":    "Нэвтрэх нэр",
			"signin_password": "Нууц үг",
			"signin_code":     "Баталгаажуулах аппын зургаан оронтой код",
			"signin_submit":   "Нэвтрэх",
			"signin_note":     "Ажиглагчид энд нэвтрэхгүй: тэд утсаараа мэдээлнэ. Энэ хуудас нь ажиглалтын сүлжээний ажилтнуудад зориулагдсан.",
		},
	})
}

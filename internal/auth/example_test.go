package auth_test

import (
	"encoding/base32"
	"fmt"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/iltod/iltod/internal/auth"
)

func ExampleHashPassword() {
	phc, err := auth.HashPassword("нууц үг хэзээ ч бүү хэл", auth.DefaultParams)
	if err != nil {
		fmt.Println(err)
		return
	}
	ok, err := auth.VerifyPassword("нууц үг хэзээ ч бүү хэл", phc)
	fmt.Println("right password:", ok, err)
	ok, err = auth.VerifyPassword("нууц үг хэзээ ч бүү хэл!", phc)
	fmt.Println("wrong password:", ok, err)
	fmt.Println("needs rehash:", auth.NeedsRehash(phc, auth.DefaultParams))

	_, err = auth.HashPassword("өвөл", auth.DefaultParams)
	fmt.Println(err)
	// Output:
	// right password: true <nil>
	// wrong password: false <nil>
	// needs rehash: false
	// password must have at least 12 characters
}

// The sign-in step for the one-time code stores the step it returns, so the same code
// cannot be used twice.
func ExampleValidateTOTP() {
	// The RFC 6238 test secret; real secrets come from NewTOTPSecret.
	secret := base32.StdEncoding.EncodeToString([]byte("12345678901234567890"))
	now := time.Unix(1111111111, 0)
	var lastStep int64 // from the user's record; 0 before the first sign-in

	step, ok := auth.ValidateTOTP(secret, "050471", now, lastStep)
	fmt.Println("first use:", ok, step == auth.TOTPStep(now))
	lastStep = step // stored with a compare-and-set on the old value

	_, ok = auth.ValidateTOTP(secret, "050471", now.Add(10*time.Second), lastStep)
	fmt.Println("replayed:", ok)
	// Output:
	// first use: true true
	// replayed: false
}

func ExampleLimiter() {
	now := time.Date(2024, 6, 28, 7, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	perLogin := auth.NewLimiter(auth.LoginBurst, auth.LoginEvery, clock)
	perIP := auth.NewLimiter(auth.IPBurst, auth.IPEvery, clock)

	attempt := func() {
		if ok, wait := perIP.Allow("ip:192.0.2.1"); !ok {
			fmt.Println("refused for the address, retry after", wait)
			return
		}
		if ok, wait := perLogin.Allow("login:alice"); !ok {
			fmt.Println("refused for the login, retry after", wait)
			return
		}
		fmt.Println("check the password")
	}
	for range 6 {
		attempt()
	}
	now = now.Add(auth.LoginEvery)
	attempt()
	// Output:
	// check the password
	// check the password
	// check the password
	// check the password
	// check the password
	// refused for the login, retry after 30s
	// check the password
}

func ExampleSameOrigin() {
	r := httptest.NewRequest("POST", "https://example.org/login", nil)
	r.Header.Set("Origin", "https://example.org")
	fmt.Println(auth.SameOrigin(r, "https://example.org"))

	r.Header.Set("Origin", "https://evil.example")
	fmt.Println(auth.SameOrigin(r, "https://example.org"))
	// Output:
	// true
	// false
}

func ExampleSessionCookie() {
	secure := true
	token, hash := auth.NewToken() // store hash with the session, send token
	_ = hash
	c := auth.SessionCookie(auth.CookieName(secure), token, secure, 12*time.Hour)
	fmt.Println(strings.Replace(c.String(), token, "TOKEN", 1))
	fmt.Println(auth.ClearCookie(auth.CookieName(secure), secure))
	// Output:
	// __Host-iltod=TOKEN; Path=/; Max-Age=43200; HttpOnly; Secure; SameSite=Strict
	// __Host-iltod=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict
}

func ExampleCheckCSRF() {
	stored := auth.NewCSRF() // kept with the session, written into each form
	fmt.Println(auth.CheckCSRF(stored, stored))
	fmt.Println(auth.CheckCSRF(stored, auth.NewCSRF()))
	fmt.Println(auth.CheckCSRF(stored, ""))
	// Output:
	// true
	// false
	// false
}

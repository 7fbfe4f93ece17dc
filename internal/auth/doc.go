// Package auth provides the building blocks of staff sign-in: password hashing and policy,
// time-based one-time codes, session and CSRF tokens, an Origin check, a login rate limiter
// and session cookies.
//
// Everything here is pure: no storage, no logging, no global state. Randomness comes from
// crypto/rand and time from the caller, so the rules that use these pieces (look up the user,
// check the limiter, verify the password and the code, store the session, write the audit
// event) run once, in internal/app, and are tested there.
//
// Errors meant for the person signing in (a password that breaks the policy) are
// *iltod.Error values with code iltod.EInvalid and a message that is safe to show. Every
// other error (a malformed stored hash, bad parameters) means a bug or corrupt data and must
// be shown only as "internal error".
package auth

package sqlstore

// SignerLockKey is the first key of the signer lock, for tests that end its session.
const SignerLockKey = signerLock

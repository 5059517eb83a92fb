import ConvergenceCore
import Testing
@testable import ConvergenceIdentity

/// The credential keyring over AES-256-GCM.
@Suite struct MasterKeyringTests {
    @Test func aesGCMRoundTripsAndDetectsTampering() throws {
        let keyring = try MasterKeyring(text: MasterKeyring.generateText(id: "k2") + "\n" + MasterKeyring.generateText(id: "k1"))
        let (keyID, sealed) = try keyring.seal(Array("secret json".utf8), context: "acme/gcp")
        #expect(keyID == "k2")
        #expect(try keyring.open(sealed, keyID: keyID, context: "acme/gcp") == Array("secret json".utf8))
        #expect(throws: AESGCM.Failure.self) { try keyring.open(sealed, keyID: keyID, context: "other/gcp") }
        var tampered = sealed.ciphertext
        tampered[0] ^= 1
        #expect(throws: AESGCM.Failure.self) {
            try keyring.open(AESGCM.Sealed(nonce: sealed.nonce, ciphertext: tampered), keyID: keyID, context: "acme/gcp")
        }
        #expect(throws: AESGCM.Failure.self) { try keyring.open(sealed, keyID: "k1", context: "acme/gcp") }
    }

    @Test func keyringTextIsValidated() {
        #expect(throws: MasterKeyring.Problem.empty) { try MasterKeyring(text: " \n") }
        #expect(throws: MasterKeyring.Problem.malformed(entry: 1)) { try MasterKeyring(text: "k1:c2hvcnQ=") }
        #expect(throws: MasterKeyring.Problem.malformed(entry: 1)) { try MasterKeyring(text: "no-colon") }
        let one = MasterKeyring.generateText(id: "k1")
        #expect(throws: MasterKeyring.Problem.duplicateID("k1")) { try MasterKeyring(text: one + "," + one) }
    }
}

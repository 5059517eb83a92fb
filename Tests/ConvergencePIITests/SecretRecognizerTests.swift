import Testing
@testable import ConvergencePII

/// The `secret` kind: credentials by shape (prefix, length, alphabet) or by a credential's key name next to a real value.
@Suite struct SecretRecognizerTests {
    typealias S = SecretSamples

    func secrets(_ text: String) -> [String] {
        let bytes = Array(text.utf8)
        return PIIDetector.spans(in: text).filter { $0.kind == .secret }.map { String(decoding: bytes[$0.start..<$0.end], as: UTF8.self) }
    }

    @Test(arguments: SecretSamples.secrets) func findsSecret(_ text: String) {
        #expect(PIIDetector.kinds(in: text).contains(.secret))
        #expect(Array(text.utf8).withUnsafeBufferPointer { PIIDetector.kindSet(in: $0) }.contains(.secret), "byte path agrees")
    }

    @Test(arguments: SecretSamples.notSecrets) func ignoresLookAlike(_ text: String) {
        #expect(!PIIDetector.kinds(in: text).contains(.secret), "\(secrets(text))")
    }

    @Test func spansCoverTheCredentialOnly() {
        #expect(secrets("password=hunter2 please") == ["hunter2"])
        #expect(secrets("{\"password\": \"correct-horse\"}") == ["correct-horse"])
        #expect(secrets("?user=jane&password=letmein&next=/") == ["letmein"])
        #expect(secrets("passwd: Tr0ub4dor&3") == ["Tr0ub4dor&3"], "'&' ends a value only in a query string")
        #expect(secrets("x -----BEGIN RSA PRIVATE KEY-----\nMIIE") == ["-----BEGIN RSA PRIVATE KEY-----"])
        #expect(secrets("DATABASE_URL=postgres://admin:Sup3rS3cret@db.internal:5432/app") == ["admin:Sup3rS3cret"])
        #expect(secrets("Authorization: Basic dXNlcjpwYXNzd29yZA==") == ["dXNlcjpwYXNzd29yZA=="])
        #expect(secrets(S.t("token gh", "p_", S.b36, ".")) == [S.t("gh", "p_", S.b36)], "a sentence's full stop is not part of it")
        #expect(secrets(S.t("GITHUB_TOKEN=gh", "p_", S.b36)) == [S.t("gh", "p_", S.b36)], "reported once, not by shape and by key")
        #expect(secrets("{\"k\": \"-----BEGIN PRIVATE KEY-----\\nMIIE\"}") == ["-----BEGIN PRIVATE KEY-----"], "JSON-escaped line breaks")
    }

    @Test func exactLengthsAndAlphabets() {
        #expect(secrets(S.t("gh", "p_", String(S.b36.dropLast()))).isEmpty, "35 characters")
        #expect(secrets(S.t("gh", "p_", S.b36, "Z")).isEmpty, "37 characters")
        #expect(secrets(S.t("gh", "x_", S.b36)).isEmpty, "no such GitHub token kind")
        #expect(secrets(S.t("AK", "IAz7q4x2m9k3b8n5v1")).isEmpty, "AWS key ids are upper case")
        #expect(secrets(S.t("AI", "za", "SyB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3")).isEmpty, "Google keys are 39 long")
        #expect(secrets(S.t("S", "K", "9f8e7d6c5b4a39281706f5e4d3c2b1aG")).isEmpty, "Twilio SIDs are hex")
        #expect(secrets(S.t("sk-", "abcdefghijklmnopqrstuvwxyz")).isEmpty, "OpenAI keys mix digits and both cases")
        #expect(secrets(S.t("pk", "_live_", "4eC39HqLyjWDarjtT1zdp7dc")).isEmpty, "Stripe publishable keys are public by design")
        let notJSONPayload = S.t("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9", ".", "abJzdWIiOiIxMjM0NTY3ODkwIn0", ".", "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV")
        #expect(secrets(notJSONPayload).isEmpty, "the payload is not a JSON object")
    }

    /// Convergence's own key formats (Sources/ConvergenceIdentity/APIKeyFormat.swift).
    @Test func convergenceKeys() {
        #expect(secrets(S.t("sk", "_live_", S.b32)) == [S.t("sk", "_live_", S.b32)])
        #expect(secrets(S.t("sk", "_admin_", S.b32)) == [S.t("sk", "_admin_", S.b32)])
        #expect(secrets(S.t("sk", "_admin_", String(S.b32.dropLast()))).isEmpty, "admin keys are exactly 32 after the prefix")
        #expect(secrets(S.t("sk", "_live_", "Q7f2Kp9LmX3vB8nR")).isEmpty, "too short for a live key")
        #expect(secrets(S.t("acme_inc_23xv2", "_api_", "Q7f2Kp9LmX3vB8nR")) == [S.t("acme_inc_23xv2", "_api_", "Q7f2Kp9LmX3vB8nR")])
        #expect(secrets(S.t("acme", "_api_", "Q7f2Kp9LmX3vB8n")).isEmpty, "15 random characters")
        #expect(secrets(S.t("ab", "_api_", "Q7f2Kp9LmX3vB8nR")).isEmpty, "tenant ids are 3 characters or more")
        #expect(secrets(S.t("sk_acme", "_api_", "Q7f2Kp9LmX3vB8nR")).isEmpty, "no tenant id begins sk_")
        #expect(secrets(S.t("acme", "_api_", "Q7f2Kp9LmX3vB8nR-x")).isEmpty, "glued to more")
    }

    @Test func placeholdersAndCodeAreNotValues() {
        for value in ["***", "xxxx", "<password>", "${DB_PASS}", "%s", "{{ pw }}", "null", "None", "true", "changeme", "\"\"", "''",
                      "user.password", "MY_PASSWORD", "[REDACTED]", "\u{2022}\u{2022}\u{2022}\u{2022}"] {
            #expect(secrets("password=\(value)").isEmpty, "\(value)")
            #expect(secrets("\"password\": \(value)").isEmpty, "\(value)")
        }
        #expect(secrets("password: Hunter") == [], "after ':' a bare word is prose or a type, not a password")
        #expect(secrets("password: Hunter2") == ["Hunter2"])
        #expect(secrets("password=Hunter") == ["Hunter"], "an env or query value needs no digit")
        #expect(secrets("password = hashed") == [], "code: a spaced '=' with a bare word")
    }

    @Test func stopsEarlyOnTheKindsPath() {
        let many = String(repeating: "password=hunter2 ", count: 1_000)
        #expect(PIIDetector.kinds(in: many) == [.secret])
        #expect(secrets(many).count == 1_000)
    }

    @Test func invalidUTF8AroundSecrets() {
        func kinds(_ bytes: [UInt8]) -> [PIIKind] { bytes.withUnsafeBufferPointer { PIIDetector.kindSet(in: $0) }.kinds }
        #expect(kinds([0xFF] + Array("password=hunter2".utf8) + [0xC3]) == [.secret])
        #expect(kinds(Array("-----BEGIN ".utf8) + [0xE2, 0x82]).isEmpty)
        #expect(kinds(Array("a://b:".utf8) + [0xFF, 0x40]).isEmpty)
    }

    /// Linear time: 1 MiB of each worst case finishes well within a second, even in a debug build.
    @Test(.serialized, arguments: ["-", "=", ":", "password=", "password: ", "\"password\":\"", "token=", "a://", "a://b:c", "Authorization: Bearer ",
                      "A", "AKIA", "ghp_", "sk-", "eyJ.", "x_api_", "-----BEGIN ", "-----BEGIN PRIVATE KEY-----", "a=b", "\\n",
                      "123456789:AA", "hooks.slack.com/services/", "/aaaaaaaaaaaaaaaaaaaaaaa1", "contraseña: ", "ß"])
    func pathologicalInputStaysLinear(_ unit: String) {
        let text = String(repeating: unit, count: (1 << 20) / unit.utf8.count)
        let elapsed = ContinuousClock().measure { _ = PIIDetector.spans(in: text) }
        #expect(elapsed < .seconds(5), "\(unit): \(elapsed)")
    }
}

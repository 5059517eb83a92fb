/// Sentences for the secret and obfuscated e-mail tests, written for them. Token-shaped samples are assembled
/// from pieces (`t("gh", "p_", …)`), so no credential-shaped literal sits in the repository for a secret
/// scanner to flag.
enum SecretSamples {
    static func t(_ parts: String...) -> String { parts.joined() }

    static let b36 = "aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5"
    static let b32 = "Q7f2Kp9LmX3vB8nR4tY6wZ1cD5gH0jS2"
    static let hex32 = "9f8e7d6c5b4a39281706f5e4d3c2b1a0"
    static let jwt = t("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9", ".", "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIn0",
                       ".", "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c")

    /// Each holds a secret.
    static let secrets: [String] = [
        "the wifi password is Tiger798!", "wifi password is KW&^TiUwCggfjc", "Das Passwort ist Sommer2024!", "le mot de passe est Soleil#42.",
        "the password for the guest network is \"Guest-2024\"", "my passcode is now 7391-2468, don't tell",
        "db password is \"correct horse battery staple\"", "login: admin / pass: %iK92D^K4YK7US", "the passphrase is \"purple monkey dishwasher\" for now",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun",
        "key.pem starts with -----BEGIN PRIVATE KEY----- as usual",
        "-----BEGIN OPENSSH PRIVATE KEY-----", "-----BEGIN EC PRIVATE KEY-----", "-----BEGIN DSA PRIVATE KEY-----",
        "-----BEGIN ENCRYPTED PRIVATE KEY-----", "-----BEGIN PGP PRIVATE KEY BLOCK-----",
        "{\"private_key\": \"-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC\\n\"}",
        t("aws_access_key_id = AK", "IAZ7Q4X2M9K3B8N5V1"), t("temporary id AS", "IAY3N8B2V7C4X1Z6M5 in the log"),
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYzq8Lm3Nd0A",
        "secret: 'Zk9/qL2mX8vB4nR7tY1wE6uI3oP5aS0dF+gH2jK4'",
        t("token gh", "p_", b36, " was pushed"), t("gh", "o_", b36), t("gh", "s_", b36, "."),
        t("github", "_pat_", "11ABCDEFG0abcdefghijkl", "_", "mnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi"),
        t("gl", "pat-", "xY7zK2mQ9pL4vN8rT3wB"), t("SLACK=xo", "xb-", "123456789012-1234567890123-", "AbCdEfGhIjKlMnOpQrStUvWx"),
        t("xa", "pp-", "1-A0123BCDE45-1234567890123-", "abcdef0123456789abcdef0123456789"),
        t("stripe sk", "_live_", "4eC39HqLyjWDarjtT1zdp7dc"), t("sk", "_test_", "51H8xYzAbCdEfGh", "IjKlMnOpQr"),
        t("rk", "_live_", "51H8xYzAbCdEfGhIjKlMnOpQr"), t("whsec", "_", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLSpN"),
        t("OPENAI_API_KEY=sk-", "T3BlbkFJ", "abcDEF123ghiJKL456mnoPQR789stuVWX012yzA"),
        t("sk-", "proj-", "Ab12Cd34Ef56Gh78Ij90Kl12Mn34Op56"), t("sk-", "ant-", "api03-", "Xy9_Ab12Cd34Ef56Gh78Ij90Kl-Mn34Op56Qr78"),
        t("maps key AI", "za", "SyB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3x"), t("np", "m_", b36), t("S", "K", hex32),
        t("S", "G.", "aBcDeFgHiJkLmNoPqRsTuV", ".", "aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789-_aBcDe"), t("h", "f_", "aBcDeFgHiJkLmNoPqRsTuVwXyZaBcDeFgH"),
        "the session cookie was " + jwt, "Authorization: Bearer " + jwt,
        "password=hunter2", "DB_PASSWORD=s3cr3t!", "{\"password\": \"correct-horse\"}", "passwd: Tr0ub4dor&3", "pwd=Xy7!pq",
        "api_key=" + hex32, "apikey: 3f9a2c71e4b8d605", "access_token=ya29.a0AfH6SMBx7v2K9pQ", "auth_token: 'a1b2c3d4e5f6g7h8i9j0'",
        "client_secret = \"GOCSPX-4fT9kLm2Qw8Zr1Xy\"", "private_key=MIIEvQIBADANBgkqhkiG9w0BAQEFAASC", "secret=Sw0rdf1sh",
        "Password: P@ssw0rd!", "the wifi password is set: password = 'letmein'", "?user=jane&password=letmein&next=/",
        "Authorization: Basic dXNlcjpwYXNzd29yZA==", "curl -H \"Authorization: Bearer 8f14e45fceea167a5a36dedd4bea2543\" https://api",
        "curl -H 'Authorization: token 0123456789abcdef0123' https://api", "use Bearer Xk29fLq83Mzp0aQw7RtY for the call",
        "DATABASE_URL=postgres://admin:Sup3rS3cret@db.internal:5432/app", "clone https://jane:hunter2@example.com/private.git",
        "redis://:p4ssw0rd@cache:6379/0",
        t("Convergence key sk", "_live_", b32), t("sk", "_admin_", b32), t("tenant key acme_inc_23xv2", "_api_", "Q7f2Kp9LmX3vB8nR"),
        t("Bearer acme", "_api_", "Z3k9QpL2mX8vB4nR"),
        t("py", "pi-", "AgEIcHlwaS5vcmcCJDk4ZTFhNmQ3LTg5YjAtNDQ2Ny1hYzM3LWQ0NmUyZjYwOTAx", "Mg"),
        t("do", "p_v1_", hex32, hex32), t("sh", "pat_", hex32), t("gs", "k_", b36, "Xy12Ab34Cd56Ef78"), t("r8", "_", b36, "Z"),
        t("bot 123456789:", "AA", "Fk3xQ9pL2mX8vB4nR7tY1wE6uI3oP5aS0"),
        t("https://hooks.slack.com/services/", "T0A1B2C3D", "/B4E5F6G7H/", "Zk9qL2mX8vB4nR7tY1wE6uI3"),
        t("https://discord.com/api/webhooks/", "123456789012345678/", b36, b32),
        "Passwort: Jrb0vOwufd7", "wachtwoord=geheim123", "senha: abc12345", "contraseña: Verano2024!", "hasło=Lato2024!", "mot de passe : Rb7LNagbRf", "pwd: rY8DY79tFp!",
        t("DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=", "Zk9/qL2mX8vB4nR7tY1wE6uI3oP5aS0dF+gH2jK4", "=="),
        t("sq0", "atp-", "Zk9qL2mX8vB4nR7tY1wE6u"), t("sq0", "csp-", b36, "Xy12Ab34"), t("NOTION=sec", "ret_", b36, "Xy12Ab3"),
        t("nt", "n_", b36, "Xy12Ab34Cd"), t("lin", "_api_", b36, "Zk9q"), t("da", "pi", hex32), t("da", "pi", hex32, "-2"),
    ]

    /// None holds a secret: prose about credentials, placeholders, code, identifiers and look-alike strings.
    static let notSecrets: [String] = [
        "The default password hashing algorithm is now Argon2id.", "The password policy is v2-strict", "password length is 12 chars",
        "the secret_sauce_recipe_v2 file", "dapi is an API", "dapi_0123 and ntn_ prefixes", "lin_api_docs are online",
        "The password is \"one of the options below\"", "password is \"same as the email one\"", "the password is \"not set\"",
        "Your password is required.", "The password is 8 characters long", "Password is case-sensitive",
        "the password is stored in vault-01", "My password is incorrect, please reset it 2 times",
        "password is at least 12 characters", "The class passes 2 tests and the password is weak",
        "your password is now expired since 2024", "the assessment is 2024-Q3",
        "Please reset your password before Monday.", "The token expired, so log in again.",
        "Forgot password? Click the link to choose a new one.", "Password: must be at least 8 characters long",
        "let password: String = readLine() ?? \"\"", "def login(user, password=None):", "password = getpass.getpass()",
        "password = request.form['password']", "PWD=/home/jane/projects", "OLDPWD=~/src", "password=********",
        "password: <redacted>", "api_key=xxx", "API_KEY=${API_KEY}", "secret: null", "{\"password\": \"\"}", "password=changeme",
        "token: {{ token }}", "password=%s", "password: %(password)s", "set PASS=%DB_PASS%", "password = user.password", "secret=config.client_secret", "password=YOUR_PASSWORD",
        "{\"password\": \"This field is required.\"}", "{\"password\": [\"This field is required.\"]}", "if password == expected:",
        "password: your password here", "The token count was 4096.", "max_tokens=500", "tokens: 1500", "isSecret: true",
        "Authorization: Bearer $TOKEN", "Authorization: Bearer <token>", "Authorization: Basic ${CREDS}",
        "postgres://user:password@localhost/db", "https://user:***@example.com", "https://jane@example.com/repo.git",
        "https://example.com/path?q=1&page=2", "mailto:jane@example.com", "Order 12345: shipped", "ratio a=b, c: d",
        "id 550e8400-e29b-41d4-a716-446655440000 created", "commit 3f2c1e9a8b7d6c5e4f3a2b1c0d9e8f7a6b5c4d3e",
        "sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
        "call task_sk_list and my_sk_live_helper_function", "sk_live_mode_enabled_for_the_tenant", "pip install sk-learn-pipeline-2024-release",
        "AKIAFOOBAR is too short", "-----BEGIN PUBLIC KEY-----", "-----BEGIN CERTIFICATE-----", "---- BEGIN PRIVATE KEY ----",
        "eyJhbGciOiJIUzI1NiJ9 alone is a header", "next_page_token=abc", "secret_santa: yes", "the secret: keep it simple",
        "config my_api_defaultPageSizes here", "sk_admin_tooShort", "ghp_short", "xoxo-hugs-and-kisses-to-everyone-here",
        "The well-known --- separator", String(repeating: "-", count: 40), "Note: the migration runs at 2 a.m.; expect downtime.",
        "C++ std::vector<int> v; x => x + 1; a != b; a <= b", "Bearer of bad news", "password_hint: your pet's name",
        "headers: [\"X-API-Key\": key]", "let password: String?", "var databasePassword: String! { get }", "let password = try? load()",
        "handlers read `X_API_KEY=value` pairs", "{\"api_key\":\"acme_api_\u{2026}\"}", "api_key: sk_live_...", "{\"secret\": 0}",
        "/v1/check?api_key=\\(secret)",
        "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX", "see https://api.slack.com/services/docs/overview/intro",
        "pwd: D:\\proj2", "pwd: src", "time 12345678:AA", "the access key rotation is monthly",
    ]

    static let obfuscatedEmails: [String] = [
        "jane [at] example [dot] com", "write to jane(at)example.com today", "jane at example dot com", "jane AT example DOT com",
        "jane {at} example {dot} co {dot} uk", "jane@example[.]com", "jane_doe at example.com", "jane\u{FF20}example\u{FF0E}com",
        "jane\u{FF20}example.com", "mail j.doe at example.org", "Email jane at example.com", "reach jane at gmail.com",
        "jane <at> example <dot> net", "jane @ example.com", "jane[at]example[dot]io please",
    ]

    static let notEmails: [String] = [
        "see you at noon", "look at the data dot plot", "at 10 am", "thanks @mentions", "user at least", "meet me at home dot",
        "Visit us at example.com", "Look at example.com for details", "I work at acme.io", "ping @channel.general",
        "we met at 5.30 pm", "arrived at St. Louis today", "the cat sat at the mat.", "rate at 3.5%", "email me at noon",
        "available at docs.example.com", "Tickets at example.com", "at example dot com", "Cheap flights at Example.Travel",
        "meet at the office dot", "x at y.z", "dot at dot dot com",
    ]
}

/// Which admin requests a restricted caller may make (pure rules, unit-tested):
/// read-only keys and cookie sessions are both judged by the method alone.
public enum AdminAccess {
    /// GET and HEAD change nothing; every other method may.
    public static func isReadMethod(_ method: String) -> Bool { method == "GET" || method == "HEAD" }

    public static let readOnlyRefusal = APIError(.forbidden, code: "read_only_key", message: "This admin key is read-only.")

    /// The header a cookie-authenticated change must carry. A cross-site form or image
    /// cannot set a custom header (and a cross-site script would need CORS, which this
    /// server never grants), so its presence proves the request came from the page.
    public static let csrfHeader = "x-convergence-csrf"

    public static let csrfRefusal = APIError(.forbidden, code: "csrf_header_required",
                                             message: "A change made with a session cookie needs the header X-Convergence-CSRF: 1.")

    /// Whether a cookie-authenticated request may proceed: reads always, changes only with `X-Convergence-CSRF: 1`.
    public static func passesCSRF(method: String, csrfHeader value: String?) -> Bool {
        isReadMethod(method) || value == "1"
    }
}

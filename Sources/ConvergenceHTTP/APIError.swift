/// An error answered to the client in SPEC.md's error body:
/// `{"error": {"code": …, "message": …, "request_id": …}}`.
public struct APIError: Error, Sendable, Equatable {
    public let status: HTTPStatus
    public let code: String
    public let message: String
    public var headers: [HTTPField] = []

    public init(_ status: HTTPStatus, code: String, message: String, headers: [HTTPField] = []) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    public static func == (a: APIError, b: APIError) -> Bool {
        a.status == b.status && a.code == b.code && a.message == b.message
    }

    public static func badRequest(_ code: String, _ message: String) -> APIError {
        APIError(.badRequest, code: code, message: message)
    }

    public static let notFound = APIError(.notFound, code: "not_found", message: "No such resource.")
    public static let internalError = APIError(
        .internalServerError, code: "internal_error", message: "The server failed to handle the request; it has been logged.")

    public static func payloadTooLarge(limit: Int) -> APIError {
        APIError(.payloadTooLarge, code: "payload_too_large", message: "The request body exceeds the limit of \(limit) bytes.")
    }
}

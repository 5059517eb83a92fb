import ConvergenceCore
import Foundation

/// A complete response: status, headers and body bytes.
public struct Response: Sendable {
    public var status: HTTPStatus
    public var headers: [HTTPField]
    public var body: [UInt8]
    /// The route pattern that answered (`/admin/keys/{key_id}`), "unmatched" otherwise: a bounded metrics label.
    public var endpoint: String = "unmatched"
    /// More header lines, already formatted (`Name: value\r\n` each): headers that every
    /// request of a kind carries (rate-limit state) are written as bytes, not Strings.
    public var headerLines: [UInt8] = []

    public init(status: HTTPStatus = .ok, headers: [HTTPField] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public static let jsonContentType = HTTPField("Content-Type", "application/json")

    /// A JSON response from an `Encodable` value (snake_case keys are the caller's `CodingKeys`).
    public static func json<T: Encodable>(_ value: T, status: HTTPStatus = .ok) throws -> Response {
        let data = try JSONCoding.encoder().encode(value)
        return Response(status: status, headers: [jsonContentType], body: [UInt8](data))
    }

    /// A JSON response from bytes already encoded (precomputed hot-path bodies).
    public static func rawJSON(_ body: [UInt8], status: HTTPStatus = .ok) -> Response {
        var headers: [HTTPField] = []
        headers.reserveCapacity(4) // room for X-Request-ID and a few more without reallocating
        headers.append(jsonContentType)
        return Response(status: status, headers: headers, body: body)
    }

    /// SPEC.md's error body for `error`.
    public static func error(_ error: APIError, requestID: String) -> Response {
        let body = "{\"error\":{\"code\":\(JSONString.quoted(error.code)),\"message\":\(JSONString.quoted(error.message)),"
            + "\"request_id\":\(JSONString.quoted(requestID))}}"
        return Response(status: error.status, headers: [jsonContentType] + error.headers, body: Array(body.utf8))
    }
}

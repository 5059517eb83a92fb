import Foundation

/// Clients sending `POST /v1/check` until stopped, remembering each request's id
/// by outcome: an audit test compares these with the audit rows.
public final class CheckLoad: @unchecked Sendable {
    // @unchecked: the arrays are only touched under `lock`; `threads` only by start/finish on the test thread.
    private let lock = NSLock()
    private var answered: [String] = []
    private var failed: [String] = []
    private var unidentified: [String] = []
    private var failures: [Failure] = []
    private var stopped = false
    private var threads: [Thread] = []

    /// A request answered with another status than 200, and when it was sent.
    public struct Failure: Sendable {
        public let id: String
        public let status: Int
        public let sent: Date
    }

    public struct Outcome: Sendable {
        /// 200: decided and answered.
        public let answered: [String]
        /// Any other status (nginx's 502 while a worker dies, 503): the id from X-Request-ID.
        public let failed: [String]
        /// No response at all (connection error): id unknown.
        public let unidentified: [String]
        /// The `failed` requests with their status and send time, to bound them.
        public let failures: [Failure]

        public init(answered: [String], failed: [String], unidentified: [String], failures: [Failure] = []) {
            self.answered = answered
            self.failed = failed
            self.unidentified = unidentified
            self.failures = failures
        }

        /// The distinct statuses of the failed requests.
        public var failedStatuses: Set<Int> { Set(failures.map(\.status)) }
    }

    public init() {}

    public func start(clients: Int, client: HTTPClient, key: String, body: String) {
        for _ in 0..<clients {
            let thread = Thread { [self] in
                while !lock.withLock({ stopped }) {
                    do {
                        let sent = Date()
                        let response = try client.post("/v1/check", json: body, headers: ["Authorization": "Bearer \(key)"])
                        let id = response.headers["x-request-id"] ?? ""
                        lock.withLock {
                            if response.status == 200 { answered.append(id) } else {
                                failed.append(id)
                                failures.append(Failure(id: id, status: response.status, sent: sent))
                            }
                        }
                    } catch {
                        lock.withLock { unidentified.append("\(error)") }
                    }
                }
            }
            threads.append(thread)
            thread.start()
        }
    }

    public var answeredSoFar: Int { lock.withLock { answered.count } }

    /// Stops the clients and waits for their last request.
    public func finish() -> Outcome {
        lock.withLock { stopped = true }
        while threads.contains(where: { !$0.isFinished }) { Thread.sleep(forTimeInterval: 0.02) }
        return lock.withLock { Outcome(answered: answered, failed: failed, unidentified: unidentified, failures: failures) }
    }
}

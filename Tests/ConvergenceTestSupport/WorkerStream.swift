import Foundation

/// Requests streamed straight to the FastCGI socket from many threads at once, so that
/// every worker process answers some (one worker's threads fill up and the next takes
/// connections), each answer naming its worker in `X-Convergence-Worker`. For promises
/// made "on every worker": sequential requests through nginx may all land on one.
public final class WorkerStream: @unchecked Sendable {
    // @unchecked: `answers` and `stopped` are only touched under `lock`; `threads` only by
    // start/stop on the test thread.
    public struct Answer: Sendable {
        public let pid: String
        public let status: Int
        public let body: String
        public let sent: Date
        public let received: Date
    }

    private let lock = NSLock()
    private var answers: [Answer] = []
    private var stopped = false
    private var threads: [Thread] = []

    /// Starts `threads` threads, each sending `request()`'s request again and again.
    public init(threads count: Int = 16, client: FastCGIClient,
                request: @escaping @Sendable () -> (method: String, uri: String, headers: [String: String], body: Data)) {
        for _ in 0..<count {
            let thread = Thread { [self] in
                while !self.isStopped {
                    let (method, uri, headers, body) = request()
                    let sent = Date()
                    guard let response = try? client.request(method: method, uri: uri, headers: headers, body: body),
                          let pid = response.headers["x-convergence-worker"] else { continue }
                    let answer = Answer(pid: pid, status: response.status, body: response.body, sent: sent, received: Date())
                    self.lock.withLock { self.answers.append(answer) }
                }
            }
            threads.append(thread)
        }
        threads.forEach { $0.start() }
    }

    private var isStopped: Bool { lock.withLock { stopped } }

    public var all: [Answer] { lock.withLock { answers } }

    /// Pids that answered a request sent after `date`.
    public func workers(sentAfter date: Date) -> Set<String> {
        Set(all.filter { $0.sent > date }.map(\.pid))
    }

    /// Stops the threads and waits for their last request.
    public func stop() {
        lock.withLock { stopped = true }
        while threads.contains(where: { !$0.isFinished }) { Thread.sleep(forTimeInterval: 0.01) }
    }
}

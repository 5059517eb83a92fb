import Glibc

/// Starts a detached-by-design pthread running `body`. Foundation's Thread
/// would work too, but a plain pthread keeps the worker's memory small and
/// lets us pick the stack size.
public func startThread(stackSize: Int = 512 * 1024, _ body: @escaping @Sendable () -> Void) -> pthread_t? {
    final class Box: Sendable {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
    var attributes = pthread_attr_t()
    pthread_attr_init(&attributes)
    defer { pthread_attr_destroy(&attributes) }
    pthread_attr_setstacksize(&attributes, stackSize)
    let box = Unmanaged.passRetained(Box(body)).toOpaque()
    var thread = pthread_t()
    let rc = pthread_create(&thread, &attributes, { raw in
        let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
        box.body()
        return nil
    }, box)
    if rc != 0 {
        Unmanaged<Box>.fromOpaque(box).release()
        return nil
    }
    return thread
}

/// Told when a thread is about to wait on something outside the process (a
/// PostgreSQL answer, a connect) and when that wait is over, so a worker can let
/// another thread run in the meantime (`ActiveThreads`). Called on the waiting
/// thread; both calls must be cheap and must never block.
public protocol WaitObserver: AnyObject, Sendable {
    func willWait()
    func didWait()
}

extension Optional where Wrapped == any WaitObserver {
    /// `body` bracketed by `willWait` / `didWait` (nothing when there is no observer).
    @inline(__always) public func waiting<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
        guard let observer = self else { return try body() }
        observer.willWait()
        defer { observer.didWait() }
        return try body()
    }
}

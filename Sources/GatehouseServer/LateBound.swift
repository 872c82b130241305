import Synchronization

/// A value set once after its users are built (the control plane, which the gateway's `AWS`
/// integrations call, needs the gateway first).
final class LateBound<Value: Sendable>: Sendable {
    private let stored = Mutex<Value?>(nil)

    var value: Value? {
        get { stored.withLock { $0 } }
        set { stored.withLock { $0 = newValue } }
    }
}

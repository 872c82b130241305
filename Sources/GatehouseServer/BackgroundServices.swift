import GatehouseFunctions
import ServiceLifecycle

/// A background loop that runs until the server shuts down.
struct BackgroundService: Service {
    let body: @Sendable () async -> Void

    init(_ body: @escaping @Sendable () async -> Void) {
        self.body = body
    }

    func run() async throws {
        await cancelWhenGracefulShutdown { await body() }
    }
}

/// The function workers' lifetime: reaps idle workers while the server runs and kills every
/// worker when it shuts down, so their `/next` long-polls do not hold the listener open.
struct WorkersService: Service {
    let functions: FunctionRuntime

    func run() async throws {
        await functions.prepare()
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(30))
                await functions.reapIdle()
            }
        }
        await functions.shutdown()
    }
}

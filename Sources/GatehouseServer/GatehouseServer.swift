import AsyncHTTPClient
import Foundation
import GatehouseControl
import GatehouseFunctions
import GatehouseGateway
import GatehouseModel
import GatehouseStore
import GatehouseTemplates
import Hummingbird
import HummingbirdCore
import Logging
import NIOSSL
import ServiceLifecycle

/// A Gatehouse node: opens the store, builds the planes and serves them until SIGINT or SIGTERM.
public struct GatehouseServer: Sendable {
    public static let version = "0.1.0"

    public var configuration: Configuration

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    public func run() async throws {
        let logger = Self.logger(level: configuration.logLevel)
        // Before anything that must be shut down: without a sandbox, `required` stops here.
        let sandbox = try Sandbox.detect(configuration.sandbox, directory: URL(fileURLWithPath: configuration.dataDir).appendingPathComponent("sandbox").path)
        if sandbox.isOn { logger.info("\(sandbox.summary)") } else { logger.warning("\(sandbox.summary)") }
        let store = try await SQLStore.sqlite(directory: configuration.dataDir, logger: logger)
        var verifier = SignatureVerifier(
            secrets: Dictionary(configuration.credentials.map { ($0.accessKeyId, $0.secretAccessKey) }, uniquingKeysWith: { a, _ in a }),
            accountId: configuration.accountId)
        verifier.acceptsAnyKey = configuration.acceptAnyAccessKey
        let temporaryCredentials = TemporaryCredentials()
        try await STS.load(into: temporaryCredentials, from: store)
        verifier.temporary = temporaryCredentials
        let directory = StageDirectory(DeployedStages())
        let catalog = FunctionCatalog(FunctionTable())
        var clientConfiguration = HTTPClient.Configuration(redirectConfiguration: .disallow, decompression: .disabled)
        // A backend that refuses the connection is an immediate integration failure, not a retry loop.
        clientConfiguration.connectionPool.retryConnectionEstablishment = false
        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
        let endpoint = "http://\(Self.loopbackHost(configuration.host)):\(configuration.port)"
        let code = CodeStore(directory: configuration.dataDir)
        let logSink = StoreLogSink(store: store, accountID: configuration.accountId)
        let authority = try LocalCertificateAuthority(directory: URL(fileURLWithPath: configuration.dataDir).appendingPathComponent("tls"))
        let tls = try NIOSSLContext(serving: authority)
        let metrics = MetricStore(retentionSeconds: configuration.metrics.retentionSeconds)
        let recorder = MetricRecorder(store: metrics)
        let planeMetrics = configuration.metrics.enabled ? recorder : nil
        let workerLimits = WorkerLimits.detect()
        logger.info("\(workerLimits.summary)")
        let pool = WorkerPool(
            settings: .init(
                runtimeAPIAddress: "\(Self.loopbackHost(configuration.host)):\(configuration.port)", gatehouseEndpoint: endpoint,
                maxWorkers: configuration.maxWorkers, idleTimeout: .seconds(configuration.workerIdleSeconds),
                credentials: { [account = configuration.accountId] spec in
                    // The worker holds a session of its function's role, never the server's keys.
                    let (key, entry) = temporaryCredentials.forWorker(role: spec.role, function: spec.name, defaultAccount: account)
                    return WorkerCredentials(accessKeyID: key, secretAccessKey: entry.secret, sessionToken: entry.sessionToken)
                },
                limits: workerLimits,
                trust: (authority.bundle.path, authority.caCertificate.path), sandbox: sandbox),
            code: code, logs: logSink)
        let exporter = OTLPExporter(environment: ProcessInfo.processInfo.environment, client: httpClient, logger: logger)
        if let exporter { logger.info("\(exporter.summary)") }
        let invoker = Invoker(pool: pool, logs: logSink, metrics: planeMetrics, account: configuration.accountId, spans: exporter)
        let async = AsyncInvocations(
            queue: store, invoker: invoker, catalog: catalog, retryDelays: configuration.asyncRetryDelaysSeconds.map { .seconds($0) },
            logger: logger)
        // execute-api allows 5 minutes of clock skew, the management APIs 15.
        var dataPlaneVerifier = verifier
        dataPlaneVerifier.allowedSkew = 5 * 60
        let upstreams = UpstreamSets(configuration.upstreams)
        // `AWS` integrations to a service this node serves call its control plane in-process,
        // which is built after the gateway (its operations need the gateway).
        let localControlPlane = LateBound<ControlPlane>()
        let integrationKey = (configuration.credentials.first?.accessKeyId ?? "test", configuration.credentials.first?.secretAccessKey ?? "test")
        let awsServices = AWSServices(
            endpoints: configuration.serviceEndpoints, integrationKey: integrationKey,
            local: { request, service in
                guard let controlPlane = localControlPlane.value, controlPlane.serves(service) else { return nil }
                return await controlPlane.handle(request)
            },
            sign: { request, signing in
                SigV4.sign(&request, accessKeyId: signing.accessKeyId, secret: signing.secret, region: signing.region, service: signing.service)
            })
        let gateway = Gateway(
            directory: directory, httpClient: httpClient, catalog: catalog, invoker: invoker, async: async,
            accountID: configuration.accountId, logs: logSink,
            relaxedLambdaPermissions: configuration.lambdaPermissions == "relaxed",
            signatures: { [dataPlaneVerifier] request throws(AWSError) in
                let caller = try dataPlaneVerifier.verify(request)
                return (caller.accessKeyId, caller.service, temporaryCredentials.entry(for: caller.accessKeyId)?.arn)
            },
            cognitoJWKS: configuration.cognitoJWKS, vpceHeader: configuration.vpceHeader,
            webSocketSettings: WebSocketSettings(
                domainName: "\(Self.loopbackHost(configuration.host)):\(configuration.port)", idleTimeout: configuration.webSockets.idleTimeoutSeconds, maximumDuration: configuration.webSockets.maxDurationSeconds,
                newConnections: Throttle(
                    rateLimit: configuration.webSockets.newConnectionsPerSecond,
                    burstLimit: max(1, Int(configuration.webSockets.newConnectionsPerSecond)))),
            responseCaches: ResponseCaches(maxBytesPerStage: configuration.cacheMaxBytesPerStage), upstreams: upstreams, services: awsServices,
            metrics: planeMetrics, spans: exporter)
        try await UsageSaver.load(into: gateway.usage, from: store)
        let deployer = Deployer(source: store, directory: directory, catalog: catalog, gateway: gateway, logger: logger)
        try await deployer.reload()
        // Each committed change is live in the data plane before the write that made it returns.
        store.observeChanges { change in await deployer.apply(change) }
        var lambdaEnvironment = Lambda.Environment(invoker: invoker, async: async, code: code, endpoint: endpoint)
        lambdaEnvironment.strictIAM = configuration.strictIAM
        if configuration.serviceEndpoints["s3"] != nil {
            lambdaEnvironment.fetchS3 = { bucket, key, region in
                do throws(Gateway.ServiceUnreachable) {
                    return try await gateway.fetchFromS3(bucket: bucket, key: key, region: region) ?? Data()
                } catch {
                    throw AWSError("InvalidParameterValueException", status: 400,
                        "Error occurred while GetObject. S3 Error Code: \(error.message). S3 Error Message: the object s3://\(bucket)/\(key) could not be read.")
                }
            }
        }
        let alarmActions: Alarms.Act = { [webhooks = configuration.metrics.alarmWebhooks] action, event in
            let payload = Array(event.serialized())
            if action.hasPrefix("arn:aws:lambda:") {
                do throws(AWSError) {
                    let function = LambdaARN(
                        parsing: action, region: event["region"]?.stringValue ?? "", account: event["accountId"]?.stringValue ?? "")
                    try await async.enqueue(function, payload: payload)
                } catch {
                    logger.error("alarm action \(action) failed: \(error.message)")
                }
            } else if let url = webhooks[action] {
                var request = HTTPClientRequest(url: url)
                request.method = .POST
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(payload)
                if (try? await httpClient.execute(request, timeout: .seconds(10))) == nil { logger.error("alarm webhook \(url) failed") }
            } else {
                logger.warning("alarm action \(action) is neither a function nor a configured webhook (alarmWebhooks)")
            }
        }
        let audit = AuditLog(trail: store)
        var services = try Services.all(
            lambda: lambdaEnvironment, logEvents: store, usage: gateway.usage, connections: gateway,
            upstreamSetExists: { [upstreams] in upstreams.contains($0) }, temporaryCredentials: temporaryCredentials,
            strictIAM: configuration.strictIAM, metrics: metrics, alarmActions: alarmActions, auditTrail: store, audit: audit)
        for index in services.indices where services[index].model.operations["TestInvokeMethod"] != nil {
            services[index].handlers["TestInvokeMethod"] = TestInvokeMethod.handler(gateway: gateway)
            services[index].handlers["TestInvokeAuthorizer"] = TestInvokeAuthorizer.handler(gateway: gateway)
            let stageNotFound: @Sendable (OperationContext) -> AWSError = { _ in .notFound("Invalid stage identifier specified") }
            services[index].handlers["FlushStageAuthorizersCache"] = TestInvokeAuthorizer.flushHandler(
                api: "restApiId", stage: "stageName", kind: DocumentKind.stage, notFound: stageNotFound,
                flush: { gateway.authorizerCache.flush(api: $0, stage: $1) })
            services[index].handlers["FlushStageCache"] = TestInvokeAuthorizer.flushHandler(
                api: "restApiId", stage: "stageName", kind: DocumentKind.stage, notFound: stageNotFound,
                flush: { _ = gateway.responseCaches.flush(api: $0, stage: $1) })
        }
        for index in services.indices where services[index].model.operations["ResetAuthorizersCache"] != nil {
            services[index].handlers["ResetAuthorizersCache"] = TestInvokeAuthorizer.flushHandler(
                api: "ApiId", stage: "StageName", kind: DocumentKind.v2Stage,
                notFound: { .notFound("Invalid stage identifier specified \($0.caller.accountId):\($0.string("StageName"))") },
                flush: { gateway.authorizerCache.flush(api: $0, stage: $1) })
        }
        var controlPlane = ControlPlane(services: services, verifier: verifier, store: store, endpoint: endpoint, logger: logger)
        controlPlane.strictIAM = configuration.strictIAM
        controlPlane.audit = audit
        controlPlane.forward = { [verifier] request, caller in
            // A key taken unchecked (`acceptAnyAccessKey`) signs with a secret of its own making.
            let secret = verifier.secrets[caller.accessKeyId] ?? temporaryCredentials.entry(for: caller.accessKeyId)?.secret
                ?? (verifier.acceptsAnyKey ? "gatehouse" : nil)
            guard let secret else { return nil }
            do throws(Gateway.ServiceUnreachable) {
                return try await gateway.forwardToService(
                    request, signing: .init(accessKeyId: caller.accessKeyId, secret: secret, region: caller.region, service: caller.service))
            } catch {
                let requestID = RequestID.next()
                var answer = UnservedService.error(
                    AWSError("ServiceUnavailable", status: error.status, error.message), service: caller.service, request: request,
                    requestID: requestID)
                answer.headers.append(("x-amzn-RequestId", requestID))
                return answer
            }
        }
        localControlPlane.value = controlPlane
        let frameworkLogger = Self.logger(level: "warning")
        let runtimeAPI = RuntimeAPI(pool: pool)
        let admission = RequestAdmission(
            runtimeAPI: runtimeAPI, maxControlPlaneBodyBytes: configuration.limits.maxControlPlaneBodyBytes, directory: directory)
        let limits = configuration.limits
        let channelLimits = GatehouseChannel.Limits(
            idleTimeout: .seconds(Int64(limits.idleTimeoutSeconds)), bodyTimeout: .seconds(Int64(limits.bodyTimeoutSeconds)),
            maxHeaderBytes: limits.maxHeaderBytes)
        let cap = ConnectionCap(maximum: limits.maxConnections)
        var reset: (@Sendable () async throws -> Void)?
        if configuration.enableReset {
            reset = { @Sendable in
                try await store.reset()
                try await deployer.reload()
            }
        }
        let responder = GatehouseResponder(
            controlPlane: controlPlane, gateway: gateway, runtimeAPI: runtimeAPI, admission: admission, code: code, version: Self.version,
            reset: reset)
        /// One listener on `port` serving `tls` (plain HTTP too: the channel sniffs).
        func listener(port: Int, tls: NIOSSLContext, announce: String) -> some Service {
            Application(
                responder: responder,
                server: HTTPServerBuilder { responder in
                    GatehouseChannel(responder: responder, admission: admission, gateway: gateway, limits: channelLimits, cap: cap, tls: tls)
                },
                configuration: .init(address: .hostname(configuration.host, port: port), serverName: nil),
                onServerRunning: { channel in
                    let address = channel.localAddress
                    logger.notice("Gatehouse \(Self.version) listening on http(s)://\(address?.ipAddress ?? configuration.host):\(address?.port ?? port) (\(announce))")
                },
                logger: frameworkLogger)
        }
        var listeners: [any Service] = [
            listener(port: configuration.port, tls: tls, announce: "data in \(configuration.dataDir); TLS authority \(authority.caCertificate.path)")
        ]
        if let second = configuration.tlsListener {
            let context: NIOSSLContext
            do {
                context = try NIOSSLContext(certificateChain: [second.certificateFile], privateKey: second.privateKeyFile)
            } catch {
                throw ConfigurationError("the TLS listener's certificate \(second.certificateFile) or key \(second.privateKeyFile) cannot be used: \(error)")
            }
            listeners.append(listener(port: second.port, tls: context, announce: "certificate \(second.certificateFile)"))
        }
        // Shut down in reverse order: workers first (their long-polls would keep the listener
        // waiting), then the background loops, then the listener, and last the usage counters,
        // saved once no request can count any more.
        let lifetime: [any Service] = [
            UsageSaver(meter: gateway.usage, store: store, logger: logger),
        ] + listeners + [
            BackgroundService { await deployer.watch() }, BackgroundService { await async.run() }, WorkersService(pool: pool),
            BackgroundService { await gateway.watchConnections() },
            BackgroundService {
                // The audit trail reaches the store each second, and once more at shutdown.
                while (try? await Task.sleep(for: .seconds(1))) != nil {
                    do { try await audit.flush() } catch { logger.error("audit trail not written: \(error)") }
                }
                try? await audit.flush()
            },
            BackgroundService { [interval = configuration.metrics.intervalSeconds] in
                // The planes' counters become CloudWatch datapoints, then alarms look at them.
                while (try? await Task.sleep(for: .seconds(interval))) != nil {
                    recorder.flush()
                    do {
                        try await Alarms.evaluate(store: store, metrics: metrics, act: alarmActions)
                    } catch {
                        logger.error("alarm evaluation failed: \(error)")
                    }
                }
                recorder.flush()
            },
        ] + templateServices(logger: logger) + (exporter.map { exporter in
            // Spans leave each second, and once more at shutdown.
            [BackgroundService {
                while (try? await Task.sleep(for: .seconds(1))) != nil { await exporter.flush() }
                await exporter.flush()
            }]
        } ?? [])
        let group = ServiceGroup(configuration: .init(services: lifetime, gracefulShutdownSignals: [.sigterm, .sigint], logger: frameworkLogger))
        do {
            try await group.run()
        } catch {
            await pool.shutdown()
            try? await httpClient.shutdown()
            try? await store.close()
            throw error
        }
        try await httpClient.shutdown()
        try await store.close()
        logger.notice("Gatehouse stopped")
    }

    /// `serve --template`: the template deployed once the listener answers, and with `--watch`
    /// again on each change of the files beside it.
    private func templateServices(logger: Logger) -> [any Service] {
        guard let settings = configuration.template else { return [] }
        let credential = configuration.credentials.first ?? Configuration.Credential(accessKeyId: "test", secretAccessKey: "test")
        let client = AWSClient(
            endpoint: "http://\(Self.loopbackHost(configuration.host)):\(configuration.port)", accessKeyId: credential.accessKeyId,
            secret: credential.secretAccessKey, region: ProcessInfo.processInfo.environment["AWS_REGION"] ?? "us-east-1")
        let deployer = StackDeployer(client: client, templateFile: URL(fileURLWithPath: settings.path), stackName: settings.stackName)
        let health = "\(client.endpoint)/_gatehouse/health"
        return [BackgroundService {
            // The listener starts beside this service: wait until it answers.
            while (try? await HTTPClient.shared.execute(HTTPClientRequest(url: health), timeout: .seconds(1)))?.status != .ok {
                guard (try? await Task.sleep(for: .milliseconds(100))) != nil else { return }
            }
            await TemplateWatcher(deployer: deployer).run(watch: settings.watch) { outcome in
                switch outcome {
                case .success(let report): logger.notice("template \(settings.path) deployed as stack \(settings.stackName)\n\(report.text)")
                case .failure(let error): logger.error("template \(settings.path) did not deploy: \(error)")
                }
            }
        }]
    }

    /// Where workers on this machine reach the listener.
    private static func loopbackHost(_ host: String) -> String {
        host == "0.0.0.0" || host == "::" || host == "localhost" ? "127.0.0.1" : host
    }

    private static func logger(level: String) -> Logger {
        var logger = Logger(label: "gatehouse")
        logger.logLevel = Logger.Level(rawValue: level) ?? .info
        return logger
    }
}

/// The deployer reads documents and the revision straight from the store.
extension SQLStore: ConfigurationSource {}

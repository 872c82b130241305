import Foundation
import GatehouseControl
import GatehouseFunctions
import GatehouseGateway
import GatehouseModel
import Hummingbird

/// The one responder behind the listener: Gatehouse's own endpoints under `/_gatehouse/`,
/// invoke URLs to the data plane, everything else (`@connections` included) to the control plane.
struct GatehouseResponder: HTTPResponder {
    typealias Context = GatehouseRequestContext

    let controlPlane: ControlPlane
    let gateway: Gateway
    let runtimeAPI: RuntimeAPI
    let admission: RequestAdmission
    let code: CodeStore
    let version: String
    /// Wipes all state (`POST /_gatehouse/reset`), when enabled.
    let reset: (@Sendable () async throws -> Void)?

    func respond(to request: Request, context: Context) async throws -> Response {
        let path = IncomingRequest.split(request.head.path ?? "/").path
        let destination = Destination(host: request.head.authority, rawPath: path, deployed: gateway.directory.current)
        let incoming: IncomingRequest
        do {
            incoming = try await IncomingRequest(request, context: context, upTo: admission.maxBodyBytes(destination))
        } catch {
            // A chunked body past the limit (a declared one was refused before it was read).
            return Response(admission.tooLarge(destination, path: path))
        }
        switch destination {
        case .gateway(let target):
            return Response(await gateway.handle(incoming, target: target))
        case .functionURL(let id):
            return Response(await gateway.handleFunctionURL(incoming, urlID: id))
        case .runtimeAPI:
            return Response(await runtimeAPI.handle(incoming))
        case .gatehouse:
            return Response(await gatehouse(incoming))
        case .controlPlane:
            return Response(await controlPlane.handle(incoming))
        case .connections(let endpoint):
            var scope = ["Stage": endpoint.stage]
            scope["ApiId"] = endpoint.apiID
            return Response(await controlPlane.handle(incoming, routedPath: endpoint.routedPath, scope: scope))
        }
    }

    /// Gatehouse's own endpoints: health, Prometheus metrics, code downloads and (when enabled) reset.
    private func gatehouse(_ request: IncomingRequest) async -> OutgoingResponse {
        if request.rawPath == "/_gatehouse/health" {
            return .json(["status": "ok", "version": .string(version)])
        }
        if request.rawPath == "/_gatehouse/metrics", let metrics = gateway.metrics {
            return OutgoingResponse(
                status: 200, headers: [("Content-Type", "text/plain; version=0.0.4; charset=utf-8")], body: Data(PrometheusText.render(metrics).utf8))
        }
        if request.rawPath == "/_gatehouse/reset", request.method == "POST" {
            guard let reset else {
                return ControlPlane.errorResponse(AWSError(
                    "NotFoundException", status: 404, "Reset is off: start Gatehouse with GATEHOUSE_ENABLE_RESET=1 (or enableReset) to use it"))
            }
            do {
                try await reset()
                return .json(["status": "reset"])
            } catch {
                return ControlPlane.errorResponse(.internalFailure())
            }
        }
        return codeDownload(request)
            ?? ControlPlane.errorResponse(AWSError("NotFoundException", status: 404, "No Gatehouse endpoint at \(request.rawPath)"))
    }

    /// `GET /_gatehouse/code/{function}/{sha}.zip`: the package `GetFunction`'s `Code.Location`
    /// points at, with the signature and expiry that URL carries.
    private func codeDownload(_ request: IncomingRequest) -> OutgoingResponse? {
        let path = request.rawPath
        guard path.hasPrefix("/_gatehouse/code/"), path.hasSuffix(".zip") else { return nil }
        guard code.allowsDownload(path: path, query: request.queryItems) else {
            return OutgoingResponse(
                status: 403, headers: [("Content-Type", "application/json")],
                body: Data(#"{"message":"Request has expired or its signature does not match: ask GetFunction for a new Code.Location"}"#.utf8))
        }
        guard let zip = code.zip(fileName: String(path.split(separator: "/").last!.dropLast(4))) else {
            return OutgoingResponse(status: 404, headers: [("Content-Type", "application/json")], body: Data(#"{"message":"No such code"}"#.utf8))
        }
        return OutgoingResponse(status: 200, headers: [("Content-Type", "application/zip")], body: zip)
    }
}
